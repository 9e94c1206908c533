// What removing a network leaves to clean up once its conflist is gone: the plugins' GC
// with no valid attachment (stale leases, masquerade elements, veths), the Linux bridge
// (berth-bridge never deletes bridges), and berth-ipam's now empty store directory.
#pragma once

#include "core/error.h"
#include "runtime/network/network.h"
#include "runtime/network/store.h"

namespace berth::runtime::net {

// Best effort: every step runs; the errors come back together. Acts in the host netns.
[[nodiscard]] Result<> teardown_network(const Paths& paths, const StoredNetwork& net);

}  // namespace berth::runtime::net
