// Bridge-port settings (IFLA_PROTINFO of family AF_BRIDGE), which libnl's link API
// does not cover; built as raw RTM_SETLINK messages.
#pragma once

#include "core/error.h"
#include "core/netlink/socket.h"

namespace berth::netlink {

// Hairpin mode on port `index`: frames may leave through the port they came in by, so a
// container can reach itself through a DNAT on the host.
[[nodiscard]] Result<> set_hairpin(const Socket& s, int index, bool on);

}  // namespace berth::netlink
