// The container's view of its cgroups at /sys/fs/cgroup, as Docker and podman give it
// with a private cgroup namespace: its own cgroup is the root there, read-only, with its
// limits readable (memory.max / memory.limit_in_bytes, cpu.max / cpu.cfs_quota_us,
// pids.max). On cgroup v2 that is one cgroup2 mount; on v1 and the hybrid layout a
// read-only tmpfs holding one cgroup mount per hierarchy berth placed the container in,
// named by its controllers ("memory", "cpu,cpuacct" with a symlink per controller).
#pragma once

#include <string>
#include <vector>

#include "core/error.h"

namespace berth::runtime {

struct CgroupFsSpec {
  bool mount = false;  // false: /sys/fs/cgroup stays sysfs's empty directory
  bool v2 = false;
  // v1: the controllers berth placed the container in ("memory", "cpu", "pids", ...);
  // only their hierarchies are shown (the others would show the runtime's own cgroups).
  std::vector<std::string> v1_controllers;
};

// What prepare_cgroup_fs laid out for mount_cgroup_fs.
struct CgroupFsPlan {
  bool mount = false;
  bool v2 = false;
  std::vector<std::string> hierarchies;  // v1: "memory", "cpu,cpuacct", ...
};

// Child side, after pivot_root and before the process is in its cgroups (it overlaps the
// placement, as the rootfs does): on v1, the tmpfs with a directory per hierarchy.
[[nodiscard]] Result<CgroupFsPlan> prepare_cgroup_fs(const CgroupFsSpec& spec);
// Child side, once in its cgroups and after unshare(CLONE_NEWCGROUP): the cgroup mounts,
// whose root is the namespace's (the cgroup the process was in when it unshared), and
// the tmpfs made read-only.
[[nodiscard]] Result<> mount_cgroup_fs(const CgroupFsPlan& plan);

}  // namespace berth::runtime
