// Bridge-port settings (IFLA_PROTINFO of family AF_BRIDGE), which libnl's link API
// does not cover; built as raw RTM_SETLINK messages.
#pragma once

#include <cstdint>

#include "core/error.h"
#include "core/netlink/socket.h"

namespace berth::netlink {

// Hairpin mode on port `index`: frames may leave through the port they came in by, so a
// container can reach itself through a DNAT on the host.
[[nodiscard]] Result<> set_hairpin(const Socket& s, int index, bool on);

// Turns VLAN filtering on for bridge `bridge_index` (no-op when it is already on).
[[nodiscard]] Result<> set_vlan_filtering(const Socket& s, int bridge_index);

// Makes `vid` the port's untagged PVID. `self` applies it to the bridge device itself
// (its own IP traffic, e.g. the gateway address). With `drop_default`, VLAN 1 (which
// the kernel gives every new port) is removed so the port is in `vid` only.
[[nodiscard]] Result<> set_port_vlan(const Socket& s, int index, uint16_t vid, bool self, bool drop_default);

}  // namespace berth::netlink
