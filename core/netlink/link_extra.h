// Link verbs the none/host/container/ptp plugins need beyond core/netlink/link.h:
// listing every link of a namespace. Acts in the namespace of the Socket given.
#pragma once

#include <vector>

#include "core/error.h"
#include "core/netlink/link.h"
#include "core/netlink/socket.h"

namespace berth::netlink {

// Every link of the socket's namespace, in ifindex order (lo first).
[[nodiscard]] Result<std::vector<LinkInfo>> list_links(const Socket& s);

}  // namespace berth::netlink
