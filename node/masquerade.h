// berth-node's masquerade: what leaves the cluster CIDR is masqueraded, what stays in it
// never is (pod to pod and node to pod keep their source address, across nodes). One
// table of berth-node's own, `inet berth_node`, with a fixed pair of rules per CIDR:
//   chain postrouting (nat, postrouting hook, srcnat priority):
//     ip saddr C ip daddr C return
//     ip saddr C masquerade
// The conflist's bridge then runs with "ipMasq": false (its own masquerade knows nothing
// of the cluster). Installing replaces the table in one transaction; an agent that stops
// removes it.
#pragma once

#include <vector>

#include "core/error.h"
#include "core/ip.h"

namespace berth::node {

inline constexpr const char* kMasqTable = "berth_node";

[[nodiscard]] Result<> install_masquerade(const std::vector<Prefix>& cluster_cidrs);
// Success when there is no table.
[[nodiscard]] Result<> remove_masquerade();

}  // namespace berth::node
