// Deleting a link without waiting for the kernel's cleanup after it.
//
// RTM_DELLINK unlinks the device (its name and index are gone, a veth's peer with it)
// within a fraction of a millisecond, but the request only returns after the kernel's
// post-unregister work (an RCU barrier and the wait for the last references), 14-22 ms
// on the machines we measure. Nothing a caller does next depends on that tail.
#pragma once

#include <span>
#include <string>

#include "core/error.h"
#include "core/netlink/socket.h"

namespace berth::netlink {

// Deletes link `name` of the calling process's network namespace (`s` must be a socket of
// that namespace) and returns once the link is gone from it (the kernel's RTM_DELLINK
// event). The request itself is sent by a forked child that sits out the kernel's wait
// alone. The child also keeps the descriptors in `linger` open until this process has
// exited, so that their last close, and whatever the kernel waits for in it, happens in
// the child too (an nftables socket whose batch deleted elements waits for an RCU grace
// period on close). The child is left unreaped: meant for short-lived processes (the
// plugins), whose exit hands it to init. False when there was no such link. Falls back to
// a plain, waited delete when the child cannot be started or fails (then with the
// kernel's error).
[[nodiscard]] Result<bool> delete_link_unwaited(const Socket& s, const std::string& name,
                                                std::span<const int> linger = {});

}  // namespace berth::netlink
