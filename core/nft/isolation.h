// Isolation between berth's bridges, internal networks and icc=false, as elements of a few
// fixed rules (one element per bridge or port, never a rule per network). No base chain
// has a drop policy: the explicit drops match only traffic on berth's bridges.
//
// table inet berth:
//   set bridges      ifname            every berth bridge that routes through the host
//   set bridge_self  ifname . ifname   (bridge . bridge), for "stays on one bridge"
//   set internal     ifname            bridges of internal networks
//   chain forward (filter, forward, priority filter = 0, policy accept):
//     iifname . oifname @bridge_self return   within one bridge (br_netfilter shows bridged
//                                             traffic here with the bridge as iif and oif)
//     iifname @internal drop; oifname @internal drop   nothing in or out of internal ones
//     ct status dnat return                   published ports are public, to other
//                                             networks too (replies included)
//     iifname @bridges oifname @bridges drop  between two berth bridges, both ways
//   chain input (filter, input, priority filter = 0, policy accept):
//     iifname @bridges ip daddr 127.0.0.0/8 ct status & dnat == 0 drop
//       berth sets route_localnet on its bridges (for published ports via 127.0.0.1); this
//       keeps containers from reaching the host's loopback-only services through it.
//
// table bridge berth (only while some network has icc=false or macspoofchk; macspoof.h
// describes the rest of it):
//   set icc_ports    ifname            host ends of containers on icc=false bridges
//   chain forward (filter, bridge forward, priority -200, policy accept):
//     iifname @icc_ports oifname @icc_ports drop
//   Port to port within one bridge never reaches the inet hooks unless br_netfilter is
//   on, so icc is decided at the bridge layer; `meta ibrname` and conntrack are not
//   available to bridge-family rules on every kernel, bridge port names always are.
#pragma once

#include <map>
#include <span>
#include <string>
#include <vector>

#include "core/nft/element.h"
#include "core/nft/schema.h"

namespace berth::nft {

// One berth bridge (network-level elements: owned by the network, not a container).
struct BridgeEntry {
  std::string bridge;     // its interface name
  bool internal = false;  // no traffic in or out of the bridge, only among its members
  std::string tag;  // owner: berth-bridge tags it by bridge ("@berth0"), as networks may share one
  bool operator==(const BridgeEntry&) const = default;
};

// The host end of a container's veth on a bridge with icc=false.
struct IccPort {
  std::string port;
  std::string tag;
  bool operator==(const IccPort&) const = default;
};

inline constexpr const char* kBridges = "bridges";
inline constexpr const char* kBridgeSelf = "bridge_self";
inline constexpr const char* kInternal = "internal";
inline constexpr const char* kForward = "forward";
inline constexpr const char* kInput = "input";
inline constexpr const char* kIccPorts = "icc_ports";
inline constexpr const char* kMarkDnat = "mark_dnat";

// The packet mark bit berth sets on DNATed packets that enter a berth bridge (chain
// `mark_dnat`). With bridge netfilter on, a container reaching a published port of a
// sibling through the host is DNATed and then bridged port to port; the bridge-family
// icc rule cannot see conntrack on every kernel, but it sees this bit and lets such
// packets pass. Only this bit is ever changed.
inline constexpr uint32_t kDnatMark = 0x00100000;

// Appends the inet sets and the forward and input chains to `spec`.
void add_isolation_objects(TableSpec& spec);
// Table `bridge berth`: the icc set and its forward chain.
[[nodiscard]] TableSpec bridge_table(const std::string& name);

// An interface name as `meta iifname` loads it: 16 bytes, NUL padded. Code 7 for a name
// that is empty, 16 bytes or longer, or has a NUL in it.
[[nodiscard]] Result<Bytes> ifname_key(const std::string& name);

// Set name -> elements (inet table). Code 7 for an interface name that is empty or
// longer than 15 bytes.
[[nodiscard]] Result<std::map<std::string, std::vector<Element>>> isolation_elements(
    std::span<const BridgeEntry> bridges);
// Set name -> elements (bridge table).
[[nodiscard]] Result<std::map<std::string, std::vector<Element>>> icc_elements(
    std::span<const IccPort> ports);

}  // namespace berth::nft
