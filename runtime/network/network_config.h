// A berth network as a CNI conflist and back: the file `network create` writes (berth-bridge
// with berth-ipam ranges), and the NetworkInfo `network ls/inspect` read from it. Pure.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "runtime/network/network.h"
#include "runtime/network/subnet_plan.h"

namespace berth::runtime::net {

inline constexpr const char* kIdKey = "berth.id";              // top-level: the network's 64-hex id
inline constexpr const char* kIpRangesKey = "berth.ipRanges";  // top-level: --ip-range as given

struct NetworkSpec {
  std::string name;
  std::string id;
  std::string bridge;               // Linux bridge name
  std::vector<SubnetPlan> subnets;  // one IPAM range set each
  bool internal = false;            // no default route, no masquerade
  bool icc = true;
  std::string ipam_data_dir;  // "": berth-ipam's default
};

// cniVersion 1.1.0, one berth-bridge entry: bridge, isGateway, isDefaultGateway and
// ipMasq (unless internal), hairpinMode, capabilities {portMappings, ips, mac},
// "internal": true / "icc": false only when set, ipam berth-ipam with one range set per
// subnet and a default route per family (unless internal).
[[nodiscard]] nlohmann::json make_conflist(const NetworkSpec& spec);

// Reads a conflist berth wrote (or one shaped like it). Code 7 when it has no berth id or
// no bridge entry.
[[nodiscard]] Result<NetworkInfo> info_from_conflist(const nlohmann::json& conf);

// "br-" + the first 12 hex digits of the id (IFNAMSIZ allows 15).
[[nodiscard]] std::string bridge_name_for(const std::string& id);

}  // namespace berth::runtime::net
