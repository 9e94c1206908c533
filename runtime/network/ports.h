// Free host ports for -p mappings without one (ip::80, -P): the kernel picks them, by
// binding a socket of the mapping's protocol to port 0 on the mapping's host address.
#pragma once

#include <vector>

#include "core/error.h"
#include "runtime/network/network.h"

namespace berth::runtime::net {

// Replaces every host_port 0 in `ports` by a port currently free on the host, distinct
// from each other (all probe sockets stay bound until every port is chosen). Acts in the
// calling thread's netns. Code 5 when no port can be had.
[[nodiscard]] Result<> assign_free_ports(std::vector<PortMapping>& ports);

}  // namespace berth::runtime::net
