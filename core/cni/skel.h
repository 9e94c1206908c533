// The CNI dispatcher every berth plugin's main() calls: reads the CNI_* environment and
// stdin, validates them in the spec's order, runs one handler and prints exactly one JSON
// document (result, version or error) on `out`. Environment and streams are injected so
// unit tests drive it without processes.
#pragma once

#include <functional>
#include <iosfwd>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/cni/types.h"
#include "core/error.h"

namespace berth::cni {

struct Env {
  std::string command, container_id, netns, ifname, args, path;
};

// What a handler sees: the environment, the exact stdin bytes (delegates get them
// unchanged), the decoded config and its version and network name.
struct Request {
  Env env;
  std::string stdin_data;
  nlohmann::json config;
  std::string version;
  std::string name;
};

struct Plugin {
  std::string_view name;  // binary name, e.g. "berth-bridge"
  std::function<Result<CniResult>(const Request&)> add;
  std::function<Result<>(const Request&)> del;
  std::function<Result<>(const Request&)> check;
  std::function<Result<>(const Request&)> gc;      // may be empty: GC is then a no-op success
  std::function<Result<>(const Request&)> status;  // may be empty: always ready
};

using Getenv = std::function<const char*(const char*)>;

// Returns the process exit code: 0 on success, 1 after printing an error.
int run_plugin(const Plugin& plugin, const Getenv& getenv_fn, std::istream& in, std::ostream& out);

// {"cniVersion","code","msg","details"}; `version` falls back to the latest when empty.
[[nodiscard]] nlohmann::json error_to_json(const Error& e, std::string_view version);

// main() helper: runs `plugin` against the real environment and std streams; answers
// --help/--version and a missing CNI_COMMAND with a human-readable text on stderr.
int plugin_main(const Plugin& plugin, int argc, char** argv);

}  // namespace berth::cni
