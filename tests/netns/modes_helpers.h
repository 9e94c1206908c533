// Shared by the none/host/container/ptp, conformance and chaining netns tests: run any
// plugin as a runtime does, and small observations.
#pragma once

#include <signal.h>
#include <unistd.h>

#include <string>

#include <nlohmann/json.hpp>

#include "tests/netns/fixture.h"

namespace berth::test {

using nlohmann::json;

// CNI_PATH for delegation: berth's binaries first, then Debian's reference plugins.
inline std::string cni_path() { return bin_dir() + ":/usr/lib/cni"; }

// A plugin that fails before reading stdin closes the pipe the fixture is still writing
// to; without this the test process would die of SIGPIPE instead of seeing the error.
inline void ignore_sigpipe() { signal(SIGPIPE, SIG_IGN); }

// `plugin` is a berth binary name or an absolute path (a reference plugin).
inline PluginRun call(const std::string& plugin, const std::string& cmd, const std::string& netns,
                      const std::string& id, const json& conf, const std::string& ifname = "eth0",
                      const std::string& args = "") {
  std::map<std::string, std::string> env = {{"CNI_COMMAND", cmd}, {"CNI_CONTAINERID", id}, {"CNI_NETNS", netns},
                                            {"CNI_IFNAME", ifname}, {"CNI_PATH", cni_path()}};
  if (!args.empty()) env["CNI_ARGS"] = args;
  ignore_sigpipe();
  return run_plugin(plugin, env, conf.dump());
}

inline std::string ref(const std::string& name) { return "/usr/lib/cni/" + name; }
inline bool have_reference(const std::string& name) { return access(ref(name).c_str(), X_OK) == 0; }

// The test's "host" namespace under a path of its own (not /proc/self, which a plugin
// would resolve to itself).
inline std::string host_netns_path() { return "/proc/" + std::to_string(getpid()) + "/ns/net"; }

inline bool contains(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

inline bool ping(const std::string& netns, const std::string& addr) {
  int rc = 1;
  sh_in(netns, std::string(addr.find(':') != std::string::npos ? "ping -6" : "ping") + " -c1 -W2 " + addr +
                   " >/dev/null 2>&1",
        &rc);
  return rc == 0;
}

// Lease files of network `name` (one file per address).
inline int leases(const std::string& name) {
  return std::stoi(sh("ls /var/lib/cni/networks/" + name + " 2>/dev/null | grep -cE '^[0-9a-f.:]+$' || true"));
}

}  // namespace berth::test
