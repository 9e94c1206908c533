// The default address pools a network's subnet is picked from when none is given, as
// Docker's: 172.17.0.0/16 ... 172.31.0.0/16, then 192.168.0.0/20 ... 192.168.240.0/20.
// Pure: callers gather what is taken (other networks, host routes).
#pragma once

#include <optional>
#include <span>
#include <string>

#include "core/ip.h"

namespace berth::runtime::net {

// The first pool subnet overlapping none of `taken`. Default routes (prefix length 0)
// in `taken` are ignored: they overlap everything. nullopt when the pool is exhausted.
[[nodiscard]] std::optional<Prefix> pick_subnet(std::span<const Prefix> taken);

// An IPv6 unique local /64 (RFC 4193: fd00::/8 + 40-bit global ID) whose global ID comes
// from the network's random 64-hex `id`, skipping to the next subnet ID on overlap.
[[nodiscard]] std::optional<Prefix> pick_subnet_v6(const std::string& id,
                                                   std::span<const Prefix> taken);

}  // namespace berth::runtime::net
