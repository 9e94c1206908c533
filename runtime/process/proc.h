// Processes by host pid, safe against pid reuse: a pid is paired with its start time
// (field 22 of /proc/<pid>/stat), and signals and waits go through pidfds.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>

#include "core/error.h"
#include "core/fd.h"

namespace berth::runtime {

// The start time of `pid` in clock ticks since boot; nullopt when it does not exist or
// is a zombie (it has exited, only its parent has not reaped it yet).
std::optional<uint64_t> process_start_time(pid_t pid);
// `pid` is alive and is still the process that started at `start`.
bool process_alive(pid_t pid, uint64_t start);

// A pidfd for `pid` if it is still the process that started at `start`; code 3 when gone.
[[nodiscard]] Result<UniqueFd> open_pidfd(pid_t pid, uint64_t start);
// Sends `sig` through the pidfd (no pid-reuse race).
[[nodiscard]] Result<> pidfd_signal(int pidfd, int sig);
// Waits until the process behind `pidfd` has exited; false on timeout (<0: forever).
bool pidfd_wait(int pidfd, int timeout_ms);

}  // namespace berth::runtime
