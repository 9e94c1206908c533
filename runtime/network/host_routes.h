// The destinations of the host's main routing table, so that a network's subnet is
// picked where it hides no route the host already uses.
#pragma once

#include <vector>

#include "core/error.h"
#include "core/ip.h"

namespace berth::runtime::net {

// Every destination prefix of the main table, both families, in the calling thread's
// network namespace (the host's). Code 100 when the dump fails.
[[nodiscard]] Result<std::vector<Prefix>> host_route_prefixes();

}  // namespace berth::runtime::net
