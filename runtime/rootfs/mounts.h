// The container's filesystem, built inside its new mount namespace by the container's
// first process before it execs: the overlay (image read-only below, the container's
// own writable layer above), /proc, a minimal /dev, read-only /sys, the generated /etc
// files and the volumes, then pivot_root into it. Nothing of this is visible on the
// host, and all of it disappears with the container's last process.
#pragma once

#include <string>
#include <vector>

#include "core/error.h"
#include "core/fd.h"

namespace berth::runtime {

struct BindMount {
  std::string source;  // host path
  std::string target;  // path inside the container
  bool read_only = false;
};

struct RootfsSpec {
  std::string lower;             // the image's rootfs (read-only layer)
  std::string upper;             // the container's writable layer
  std::string work;              // overlayfs work directory, same filesystem as upper
  std::string merged;            // where the overlay is mounted before pivot_root
  std::vector<BindMount> binds;  // /etc files first, then volumes, mounted in order
  // In a user namespace (userns_rootfs.h): the overlay and the binds are mounted by the
  // host side, whose mount points are made as root_uid:root_gid (the container's root).
  bool userns = false;
  unsigned root_uid = 0, root_gid = 0;
};

// Child side only: needs a private mount namespace (CLONE_NEWNS) and, for /proc, to be
// the first process of its pid namespace. On return the process's root is the container's.
[[nodiscard]] Result<> setup_rootfs(const RootfsSpec& spec);

// Host side of a rootfs in a user namespace: the overlay on spec.merged with the binds in
// it (needs a private mount namespace). Returns the overlay's root.
[[nodiscard]] Result<UniqueFd> mount_layers(const RootfsSpec& spec);

// Code 7 unless `path` can be given to overlayfs (absolute, no ',' or ':').
[[nodiscard]] Result<> check_overlay_path(const std::string& path);

}  // namespace berth::runtime
