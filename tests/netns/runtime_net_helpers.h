// Shared by the runtime network netns tests: Paths inside the test's temp dir, and what a
// user would look at afterwards (cache files, veths, bridges).
#pragma once

#include <sys/stat.h>

#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "runtime/network/network.h"
#include "tests/netns/fixture.h"

namespace berth::test {

inline runtime::net::Paths net_paths() {
  std::string dir = temp_dir();
  runtime::net::Paths p;
  p.config_dir = dir + "/net.d";
  p.state_dir = dir + "/state";
  p.cache_dir = dir + "/cache";
  p.plugin_dirs = {bin_dir()};
  p.ipam_data_dir = dir + "/ipam";
  return p;
}

inline std::string cache_file(const runtime::net::Paths& p, const std::string& net,
                              const std::string& id, const std::string& ifname = "eth0") {
  return p.cache_dir + "/results/" + net + "-" + id + "-" + ifname;
}

inline bool exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

inline nlohmann::json read_json(const std::string& path) {
  return nlohmann::json::parse(std::ifstream(path));
}

// Veth links in the test host (what a leaked attachment looks like).
inline std::string veths() { return sh("ip -o link show type veth | awk -F': ' '{print $2}'"); }
inline bool link_exists(const std::string& name) {
  int rc = 1;
  sh("ip link show dev " + name + " >/dev/null 2>&1", &rc);
  return rc == 0;
}
inline bool ping(const std::string& from_ns, const std::string& to) {
  int rc = 1;
  sh_in(from_ns, "ping -c1 -W2 " + to + " >/dev/null", &rc);
  return rc == 0;
}

}  // namespace berth::test
