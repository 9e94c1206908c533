// berth-bridge's commands. Each takes the validated request and acts in the host
// namespace (the one the runtime exec'd us in) and in CNI_NETNS through a netlink socket
// opened there.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "core/cni/skel.h"
#include "core/cni/types.h"
#include "core/error.h"
#include "core/ip.h"

namespace berth::bridge {

Result<cni::CniResult> cmd_add(const cni::Request& req);
Result<> cmd_del(const cni::Request& req);
Result<> cmd_check(const cni::Request& req);
Result<> cmd_gc(const cni::Request& req);
Result<> cmd_status(const cni::Request& req);

// Masquerade elements of one attachment (masq.cpp: the only file that knows berth_nft).
Result<> masq_add(const std::string& tag, const std::vector<IpAddr>& addrs, int bridge_index);
Result<size_t> masq_remove(const std::string& tag);
// Removes every element of `network` whose tag is not in `keep`; drops berth's table
// when nothing is left in it.
Result<size_t> masq_gc(const std::string& network, const std::set<std::string>& keep);
// True when all `addrs` are present with this tag.
Result<bool> masq_present(const std::string& tag, const std::vector<IpAddr>& addrs);

}  // namespace berth::bridge
