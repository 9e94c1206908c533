// resolv.conf reading for ipam.resolvConf: nameserver, domain, search and options lines
// become the result's `dns`, as host-local does it.
#pragma once

#include <string>
#include <string_view>

#include "core/cni/types.h"
#include "core/error.h"

namespace berth::ipam {

// Pure: unknown lines and comments (# or ;) are skipped.
[[nodiscard]] cni::Dns parse_resolv_conf(std::string_view text);

// Reads `path` and parses it. Code 7 naming ipam.resolvConf when it cannot be read.
[[nodiscard]] Result<cni::Dns> read_resolv_conf(const std::string& path);

}  // namespace berth::ipam
