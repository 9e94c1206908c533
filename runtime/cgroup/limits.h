// The files inside a container's cgroups: limits written at creation, usage and OOM
// kills read for `stats`, `inspect` and the exit record. v1 and v2 name them differently.
#pragma once

#include <string>

#include "core/error.h"
#include "runtime/cgroup/cgroup.h"

namespace berth::runtime {

// Writes `value` to <dir>/<file>; the error names the file.
[[nodiscard]] Result<> write_cgroup_file(const std::string& dir, const std::string& file,
                                         const std::string& value);
// Memory (-m), CPU quota (--cpus, period 100 ms) and pids (--pids-limit); zeros are left alone.
[[nodiscard]] Result<> apply_limits(const Cgroup& cg, bool v2, const Limits& limits);
Usage read_usage(const Cgroup& cg, bool v2);
// How many processes the OOM killer killed in the memory cgroup (0 when unknown).
int64_t read_oom_kills(const Cgroup& cg, bool v2);

}  // namespace berth::runtime
