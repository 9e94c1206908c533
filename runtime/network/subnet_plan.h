// Turning `network create`'s --subnet/--gateway/--ip-range/--ipv6 into the IPAM range sets
// of a new network: validated, paired up, gaps filled from the address pools. Pure.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/ip.h"
#include "runtime/network/network.h"

namespace berth::runtime::net {

// A subnet some existing berth network uses.
struct TakenSubnet {
  Prefix subnet;
  std::string network;
};

// One IPAM range set of the new network.
struct SubnetPlan {
  Prefix subnet;                   // no host bits
  IpAddr gateway;                  // --gateway inside it, else the first address
  std::optional<Prefix> ip_range;  // --ip-range inside it: addresses are handed out only from there
};

// Every --subnet must be a network prefix overlapping no other --subnet and no network of
// `networks` (code 7, naming that network). Each --gateway and --ip-range goes to the
// subnet containing it (at most one each per subnet). Without an IPv4 subnet one is
// picked from the pools avoiding `networks` and `host_routes`; with --ipv6 and no IPv6
// subnet a ULA /64 derived from `id`. IPv4 comes first in the result.
[[nodiscard]] Result<std::vector<SubnetPlan>> plan_subnets(const CreateOptions& opts,
                                                           const std::string& id,
                                                           std::span<const TakenSubnet> networks,
                                                           std::span<const Prefix> host_routes);

}  // namespace berth::runtime::net
