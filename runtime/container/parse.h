// Parsers for the values of `run`/`create` options. Pure: they look at nothing but their
// argument and return code 7 with a message naming the bad value.
#pragma once

#include <string>
#include <string_view>

#include "core/error.h"
#include "runtime/container/config.h"

namespace berth::runtime {

// -m: "64m", "1g", "512k", "1024" or "1024b" (binary units, as Docker). Minimum 6 MiB, as
// Docker requires, so a limit never starves the runtime's own setup.
[[nodiscard]] Result<int64_t> parse_memory(std::string_view text);
// --cpus: a positive decimal ("0.5", "2") -> nano-CPUs.
[[nodiscard]] Result<int64_t> parse_cpus(std::string_view text);
// --restart: no | always | unless-stopped | on-failure[:N].
[[nodiscard]] Result<RestartPolicy> parse_restart(std::string_view text);
// -v: HOST:CTR[:ro|:rw] with an absolute HOST path, or NAME:CTR[...] for a named volume
// (NAME: [A-Za-z0-9][A-Za-z0-9_.-]*, at most 255 bytes; it becomes a directory name).
[[nodiscard]] Result<Volume> parse_volume(std::string_view text);
// A volume name as `volume create` takes it: the same rule as NAME in -v. Code 7.
[[nodiscard]] Result<> validate_volume_name(std::string_view name);
// -e: "K=V", or "K" alone which takes K from `host_value` (nullptr: the variable is dropped,
// reported as an empty optional string "").
[[nodiscard]] Result<std::string> parse_env(std::string_view text, const char* host_value);
// -s / --signal: "TERM", "SIGTERM", "15". Returns the signal number.
[[nodiscard]] Result<int> parse_signal(std::string_view text);
// --expose: "80", "80/udp", "8000-8002/tcp" -> "80/tcp"... appended to `out`.
[[nodiscard]] Result<> parse_expose(std::string_view text, std::vector<std::string>& out);
// -h/--hostname: [A-Za-z0-9][A-Za-z0-9_.-]*, at most 64 bytes (the kernel's limit). It
// is written into /etc/hosts files, so no white space or control bytes.
[[nodiscard]] Result<> validate_hostname(std::string_view name);
// --network-alias, network connect --alias: [A-Za-z0-9][A-Za-z0-9_.-]*, at most 255
// bytes. Aliases are written into other containers' /etc/hosts: a newline in one must
// never add a line there.
[[nodiscard]] Result<> validate_alias(std::string_view alias);
// --root: absolute or relative to the working directory; no "." or ".." parts, control
// bytes, ',' or ':' (overlayfs options are built from it), at most 1024 bytes. Code 7.
[[nodiscard]] Result<> validate_root(const std::string& root);

}  // namespace berth::runtime
