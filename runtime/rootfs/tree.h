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
// Copies `src` into the new directory `dst` (created), keeping modes, owners, times,
// symlinks, hard links within the tree and device nodes.
[[nodiscard]] Result<> copy_tree(const std::string& src, const std::string& dst);
// Bytes used by regular files under `path` (hard links counted once).
uint64_t tree_size(const std::string& path);

}  // namespace berth::runtime
