// Extracting a tar archive (what `docker export` writes) into an image's rootfs, safely:
// every path is resolved inside the destination (openat2 RESOLVE_IN_ROOT), absolute
// paths and ".." are refused, and a symlink in the archive can never redirect a later
// entry outside the destination.
#pragma once

#include <string>

#include "core/error.h"

namespace berth::runtime {

// Reads the archive from `fd` to its end and extracts it into the existing directory
// `dest`, keeping owners, modes, times, links and device nodes. Errors name the entry.
[[nodiscard]] Result<> extract_tar(int fd, const std::string& dest);

}  // namespace berth::runtime
