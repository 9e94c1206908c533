// Whole directory trees: remove one (for `rm` and `image rm`), copy one (for
// `image import DIR`), measure one (for `image ls`). Symlinks are never followed and a
// mount point inside the tree is never crossed.
#pragma once

#include <cstdint>
#include <string>

#include "core/error.h"

namespace berth::runtime {

// rm -rf `path`; success when it does not exist. Refuses (code 5) to descend into a
// different filesystem, so a forgotten mount can never lose the host's files.
[[nodiscard]] Result<> remove_tree(const std::string& path);
// The same for the entry `name` of the directory open at `dirfd` (`shown` names it in
// errors): depth-first on descriptors (openat O_NOFOLLOW, unlinkat), so a symlink
// anywhere below, or one swapped in on the way, is removed as a link, never followed.
[[nodiscard]] Result<> remove_tree_at(int dirfd, const std::string& name, const std::string& shown);
// Copies `src` into the new directory `dst` (created), keeping modes, owners, times,
// symlinks, hard links within the tree and device nodes.
[[nodiscard]] Result<> copy_tree(const std::string& src, const std::string& dst);
// Bytes used by regular files under `path` (hard links counted once).
uint64_t tree_size(const std::string& path);
// The same for the directory open at `dirfd` (never through a symlink below it).
uint64_t tree_size_at(int dirfd);

}  // namespace berth::runtime
