// A container's cgroups: berth/<id> under each controller berth uses. Works on cgroup v2
// (one unified hierarchy at /sys/fs/cgroup) and on the v1 / hybrid layout (one hierarchy
// per controller, as on this machine: /sys/fs/cgroup/{memory,cpu,pids,...}, with cgroup2
// at /sys/fs/cgroup/unified holding no controllers).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/error.h"
#include "runtime/container/config.h"

namespace berth::runtime {

struct CgroupLayout {
  bool v2 = false;
  std::string unified;  // v2: the mount point
  // v1: controller -> hierarchy mount ("memory" -> /sys/fs/cgroup/memory). Controllers
  // co-mounted (cpu,cpuacct) share a path.
  std::vector<std::pair<std::string, std::string>> v1;
};

// Reads /proc/self/mountinfo: v2 when cgroup2 is mounted at /sys/fs/cgroup, else v1.
CgroupLayout detect_cgroup_layout();

struct Usage {
  int64_t memory = -1;                // bytes in use (page cache included); -1: unknown
  int64_t memory_inactive_file = -1;  // of which inactive file cache (memory.stat); -1: unknown
  int64_t memory_limit = -1;          // bytes; -1: unlimited or unknown
  int64_t pids = -1;
  int64_t cpu_ns = -1;  // CPU time used
};

class Cgroup {
 public:
  // The cgroups of container `id` (nothing is created).
  Cgroup(CgroupLayout layout, const std::string& id);

  // Creates the directories and writes the limits. Idempotent.
  [[nodiscard]] Result<> create(const Limits& limits);
  // Moves `pid` into every one of them.
  [[nodiscard]] Result<> add(pid_t pid) const;
  // Removes the directories (waits briefly for exiting processes to leave); success when
  // they are gone already.
  [[nodiscard]] Result<> destroy() const;
  [[nodiscard]] Usage usage() const;
  // Freezes (pause) or thaws every process of the container; waits until the kernel
  // reports the new state (up to a second).
  [[nodiscard]] Result<> freeze(bool frozen) const;
  // The kernel's OOM killer killed something in the memory cgroup.
  [[nodiscard]] bool oom_killed() const;
  // Every directory this container has (for tests and diagnostics).
  [[nodiscard]] std::vector<std::string> paths() const;
  // The directory holding `controller`'s files ("" when not available).
  [[nodiscard]] std::string dir_of(const std::string& controller) const;

 private:
  CgroupLayout layout_;
  std::string rel_;  // "berth/<id>"
};

}  // namespace berth::runtime
