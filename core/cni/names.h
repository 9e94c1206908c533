// Validation of every name a caller controls. These names end up in file names and
// interface names, so each check runs before anything touches the disk or the kernel.
#pragma once

#include <string_view>

#include "core/error.h"

namespace berth::cni {

// ^[A-Za-z0-9][A-Za-z0-9_.-]*$, at most 255 bytes. Code 4 (it comes from CNI_CONTAINERID).
[[nodiscard]] Result<> validate_container_id(std::string_view id);
// 1-15 bytes, not "." or "..", no '/', ':', whitespace or control bytes. Code 4.
[[nodiscard]] Result<> validate_ifname(std::string_view name);
// Same rule as a container ID (it becomes a directory name). Code 7 (it comes from the config).
[[nodiscard]] Result<> validate_network_name(std::string_view name);
// An absolute, normalised path without "." or ".." parts or control bytes. Code 7.
[[nodiscard]] Result<> validate_dir_path(std::string_view path, std::string_view key);

}  // namespace berth::cni
