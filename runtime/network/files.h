// Small file helpers for the runtime's state: whole-file reads and atomic replacement, so
// a concurrent reader sees the old file or the new one, never a half-written one.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

#include "core/error.h"

namespace berth::runtime::net {

// The whole file; nullopt when it does not exist. Code 5 on other errors.
[[nodiscard]] Result<std::optional<std::string>> read_file(const std::string& path);
// Writes `data` to a temp file next to `path` (mode `mode`), renames it over `path`.
// `durable`: fsync before the rename, so that a crash leaves the old or the new content,
// never an empty file; it costs milliseconds on a disk, so hot paths may skip it. Code 5.
[[nodiscard]] Result<> write_file_atomic(const std::string& path, const std::string& data,
                                         mode_t mode, bool durable = true);
// Creates `dir` and its missing parents, all with `mode` (exactly: the umask does not
// apply), so a private directory never sits below a world-readable new parent. Code 5.
[[nodiscard]] Result<> make_dirs(const std::string& dir, mode_t mode);
// Removes `path`; success when it does not exist. Code 5.
[[nodiscard]] Result<> remove_file(const std::string& path);

}  // namespace berth::runtime::net
