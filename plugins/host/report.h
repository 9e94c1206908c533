// What a namespace already has, as a CNI result: every link, and its addresses on the
// link's entry. berth-host reports the host this way, berth-container the target's
// namespace; neither creates anything, so this is all a runtime can be shown.
#pragma once

#include <string>

#include "core/cni/types.h"
#include "core/error.h"
#include "core/netlink/socket.h"

namespace berth::modes {

// `sandbox` goes on every interface (empty for the host's). IPv6 link-local addresses
// are left out: the kernel makes them per link and nobody configures them.
[[nodiscard]] Result<cni::CniResult> namespace_report(const netlink::Socket& s, const std::string& sandbox);

}  // namespace berth::modes
