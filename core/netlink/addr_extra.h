// Address verbs the none/host/container/ptp plugins need beyond addr_route.h: every
// address of a namespace with its scope, and adding an address without the kernel's
// connected route (point-to-point links route the subnet through the peer instead).
#pragma once

#include <vector>

#include "core/error.h"
#include "core/ip.h"
#include "core/netlink/socket.h"

namespace berth::netlink {

struct AddrInfo {
  int index = 0;  // ifindex of the link carrying it
  Prefix addr;    // host bits kept
  int scope = 0;  // RT_SCOPE_UNIVERSE (0), RT_SCOPE_LINK (253), RT_SCOPE_HOST (254)
};

// Every address in the socket's namespace, both families, in the kernel's order.
[[nodiscard]] Result<std::vector<AddrInfo>> list_all_addresses(const Socket& s);

// Adds `addr` to link `index` with IFA_F_NOPREFIXROUTE (and IFA_F_NODAD for IPv6): the
// kernel installs no route for the subnet. Already present: success.
[[nodiscard]] Result<> add_address_no_route(const Socket& s, int index, const Prefix& addr);

}  // namespace berth::netlink
