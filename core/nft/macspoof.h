// MAC spoof checking (berth-bridge's `macspoofchk`) in table `bridge berth`: one fixed
// rule and two sets, whatever the number of guarded containers (the reference plugin
// makes a chain per container).
//
//   set mac_ports    ifname                guarded bridge ports (containers' host veths)
//   set mac_allowed  ifname . ether_addr   (port . the MAC its container was given)
//   chain prerouting (filter, bridge prerouting, priority -200, policy accept):
//     iifname @mac_ports iifname . ether saddr != @mac_allowed drop
//
// Prerouting sees every frame a port sends, before the bridge forwards it to another
// port or delivers it to the host, so a spoofed frame reaches neither. Ports that are not
// guarded are never matched.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "core/nft/element.h"
#include "core/nft/schema.h"

namespace berth::nft {

// A guarded port and the only source MAC its frames may carry.
struct MacGuard {
  std::string port;              // the host end of the container's veth
  std::array<uint8_t, 6> mac{};  // the MAC of the container's interface
  std::string tag;               // owner: the attachment
  bool operator==(const MacGuard&) const = default;
};

inline constexpr const char* kMacPorts = "mac_ports";
inline constexpr const char* kMacAllowed = "mac_allowed";
inline constexpr const char* kPreroutingBridge = "prerouting";

// Appends the two sets and the prerouting chain to `spec` (a bridge-family table).
void add_macspoof_objects(TableSpec& spec);

// Set name -> elements. Code 7 for a bad port name or tag, or an all-zero MAC.
[[nodiscard]] Result<std::map<std::string, std::vector<Element>>> macspoof_elements(
    std::span<const MacGuard> guards);

}  // namespace berth::nft
