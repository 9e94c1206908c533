// sysctl writes under /proc/sys. /proc/sys/net reflects the network namespace of the
// thread that opens the file: call these from the namespace you mean (or via run_in).
#pragma once

#include <string>

#include "core/error.h"

namespace berth {

// Writes `value` to /proc/sys/<key> (key as a path: "net/ipv4/ip_forward") unless it
// already holds it. Code 5 on failure.
[[nodiscard]] Result<> sysctl_set(const std::string& key, const std::string& value);
[[nodiscard]] Result<std::string> sysctl_get(const std::string& key);

}  // namespace berth
