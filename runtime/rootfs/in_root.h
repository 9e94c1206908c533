// Path resolution confined to a root directory (openat2 with RESOLVE_IN_ROOT): symlinks
// and ".." inside an image or a container's rootfs can never lead outside it. Used to
// place mounts in a container's rootfs and to extract image archives.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>
#include <utility>

#include "core/error.h"
#include "core/fd.h"

namespace berth::runtime {

// Opens `path` (a leading '/' means the root) with `flags`, resolved as if `rootfd`
// were '/'. Errors name the path and carry errno's text.
[[nodiscard]] Result<UniqueFd> open_in_root(int rootfd, std::string_view path, int flags,
                                            mode_t mode = 0);
// mkdir -p of `path` inside the root; returns an O_PATH descriptor of the directory.
[[nodiscard]] Result<UniqueFd> mkdir_all_in_root(int rootfd, std::string_view path,
                                                 mode_t mode = 0755);
// The parent directory of `path` (created if missing) as an O_PATH descriptor, and the
// last component. Code 7 for "/" or a path ending in "..".
[[nodiscard]] Result<std::pair<UniqueFd, std::string>> open_parent_in_root(int rootfd,
                                                                           std::string_view path);
// Makes sure `path` exists inside the root as a directory (`dir`) or a file (else),
// creating parents; returns an O_PATH descriptor usable as a mount target.
[[nodiscard]] Result<UniqueFd> ensure_in_root(int rootfd, std::string_view path, bool dir);
// "/proc/self/fd/<fd>": lets mount(2) act on exactly the object a descriptor holds.
std::string fd_path(int fd);

}  // namespace berth::runtime
