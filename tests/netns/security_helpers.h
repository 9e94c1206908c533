// Shared by the security netns tests (security_plugins_test.cpp, security_runtime_test.cpp):
// hostile names, mode and fingerprint helpers, bounded plugin runs.
#pragma once

#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/common/hostile_text.h"
#include "tests/netns/fixture.h"
#include "tests/netns/runtime_helpers.h"

namespace berth::test::security {

using berth::test::NoUmask;
using berth::test::show;

using nlohmann::json;

// The hostile names of the issue. Those with a NUL cannot be passed in the environment
// (execve stops at it): they go through JSON only.
inline std::vector<std::string> hostile_names() {
  return {"..",   ".",    "../x",  "/abs", "a/b",  "x/../../etc", std::string("a\0b", 3),
          "a\nb", "a\rb", "a b",  std::string(300, 'a'), std::string(300, 'a') + "/../x"};
}

// dataDir values the plugins must refuse: relative, with . or .. parts, control bytes.
inline std::vector<std::string> hostile_dirs() {
  return {"relative/leases", "a/b",        "/tmp/..",          "/tmp/../etc", "/tmp/./x",
          "/tmp/x/../../etc", std::string("/tmp/a\0b", 9), "/tmp/a\nb", "/tmp/a\rb",
          "/" + std::string(1100, 'd')};
}

inline int host_veth_count() { return std::stoi(sh("ip -o link show type veth | wc -l")); }

inline int mode_of(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return -1;
  return int(st.st_mode & 07777);
}

inline std::string octal(int mode) {
  std::ostringstream s;
  s << std::oct << mode;
  return s.str();
}

// Every path under `dir` with its type, mode and (for files) checksum: a fingerprint that
// must not change when berth is pointed at it through a planted symlink.
inline std::string fingerprint(const std::string& dir) {
  return sh("cd " + dir + " && find . -printf '%p %y %m %s\\n' | sort && "
            "find . -type f -exec md5sum {} + | sort");
}

// What the plugins and the runtime may touch on the test host: a change anywhere here
// means something was written.
inline std::string host_state(const std::string& temp) {
  return sh("find /run/berth /var/lib/cni /var/lib/berth " + temp +
            " -printf '%p %y %m\\n' 2>/dev/null | sort; ip -o link show | awk -F': ' '{print $2}'; "
            "nft list ruleset 2>/dev/null");
}

inline std::map<std::string, std::string> cni_env(const std::string& cmd, const std::string& netns,
                                           const std::string& id, const std::string& ifname) {
  std::map<std::string, std::string> e = {{"CNI_COMMAND", cmd},
                                          {"CNI_CONTAINERID", id},
                                          {"CNI_IFNAME", ifname},
                                          {"CNI_PATH", bin_dir()}};
  if (cmd != "DEL") e["CNI_NETNS"] = netns;
  return e;
}

inline json bridge_conf(const std::string& name, const std::string& data_dir) {
  return {{"cniVersion", "1.1.0"},
          {"name", name},
          {"type", "berth-bridge"},
          {"bridge", "br-sec"},
          {"isGateway", true},
          {"ipMasq", true},
          {"ipam", {{"type", "berth-ipam"}, {"subnet", "10.77.0.0/24"}, {"dataDir", data_dir}}}};
}

// The error a plugin printed: its code, or -1 when it printed no CNI error JSON.
inline int error_code(const PluginRun& r) {
  if (r.exit_code == 0 || !r.json.is_object() || !r.json.contains("code")) return -1;
  return r.json["code"].get<int>();
}

// Runs a plugin through `timeout`, so a plugin that blocks fails the test instead of
// hanging it; rc 124 means it was killed.
inline PluginRun run_plugin_bounded(const std::string& plugin, const std::string& cmd,
                             const std::string& netns, const json& conf) {
  std::string file = temp_dir() + "/conf.json";
  std::ofstream(file) << conf.dump();
  PluginRun r;
  r.out = sh("timeout 20 env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin CNI_COMMAND=" + cmd +
                 " CNI_CONTAINERID=sec1 CNI_IFNAME=eth0 CNI_PATH=" + bin_dir() + " CNI_NETNS='" +
                 netns + "' " + bin_dir() + "/" + plugin + " < " + file + " 2>/dev/null",
             &r.exit_code);
  r.json = json::parse(r.out, nullptr, false);
  if (r.json.is_discarded()) r.json = nullptr;
  return r;
}


}  // namespace berth::test::security
