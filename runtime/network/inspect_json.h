// The JSON `berth network inspect` prints for one network, shaped like Docker's.
#pragma once

#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/network/network.h"

namespace berth::runtime::net {

// {Name, Id, Scope, Driver, EnableIPv6, IPAM {Driver, Config [{Subnet, Gateway, IPRange?}]},
//  Internal, Options {...}, Containers {id: {Name, MacAddress, IPv4Address, IPv6Address}}}
[[nodiscard]] nlohmann::json inspect_json(const NetworkInfo& info,
                                          const std::vector<Networks::Endpoint>& endpoints);

}  // namespace berth::runtime::net
