// The netns test fixture. main() puts each test process in its own network + mount
// namespace (the throwaway "host"), with tmpfs over berth's and CNI's state dirs, so no
// test ever touches the real host; everything dies with the process. Helpers here make
// container namespaces, run the built plugin binaries as a runtime does, and observe.
#pragma once

#include <map>
#include <string>

#include <nlohmann/json.hpp>

namespace berth::test {

// Directory of the built binaries (bin/ of the build tree).
std::string bin_dir();
// A fresh directory under the test's private /tmp; removed with the mount namespace.
std::string temp_dir();

// Creates a network namespace bind-mounted at <temp>/netns/<name>, with lo up; returns
// the path. The creating thread is back in the host namespace when this returns.
std::string make_netns(const std::string& name);
// Unmounts and removes it (its links die with it).
void delete_netns(const std::string& path);

struct PluginRun {
  int exit_code = -1;
  std::string out, err;
  nlohmann::json json;  // parsed stdout (null when empty or not JSON)
};

// Runs bin_dir()/<plugin> with the CNI_* variables in `env` (plus CNI_PATH=bin_dir()
// unless given) and `stdin_data`, exactly as a runtime execs a plugin.
PluginRun run_plugin(const std::string& plugin, std::map<std::string, std::string> env,
                     const std::string& stdin_data);

// Runs a shell command in the test host namespace; returns its stdout. `rc` gets its status.
std::string sh(const std::string& cmd, int* rc = nullptr);
// The same inside the namespace at `netns_path` (through nsenter).
std::string sh_in(const std::string& netns_path, const std::string& cmd, int* rc = nullptr);

// Starts a one-shot TCP server on `port` inside the namespace; it answers
// "<reply> <peer address>" to the first connection. Returns once it listens.
void tcp_serve_once(const std::string& netns_path, int port, const std::string& reply);
// Connects from inside the namespace and returns what the server sent ("" on failure).
std::string tcp_request(const std::string& netns_path, const std::string& host, int port);

}  // namespace berth::test
