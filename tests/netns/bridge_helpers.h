// Shared by the berth-bridge netns tests: configs and a runtime-like ADD/DEL caller.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "tests/netns/fixture.h"

namespace berth::test {

using nlohmann::json;

// The IPAM plugin the bridge tests delegate to (berth-ipam; BERTH_TEST_IPAM overrides,
// e.g. host-local, with CNI_PATH extended by /usr/lib/cni).
inline std::string ipam_type() {
  const char* v = getenv("BERTH_TEST_IPAM");
  return v && *v ? v : "berth-ipam";
}

inline json bridge_conf(const std::string& name, const std::string& subnet, json extra = json::object()) {
  json c = {{"cniVersion", ipam_type() == "host-local" ? "1.0.0" : "1.1.0"},  // Debian host-local: <= 1.0.0
            {"name", name},
            {"type", "berth-bridge"},
            {"bridge", "br-" + name},
            {"isGateway", true},
            {"isDefaultGateway", true},
            {"ipMasq", true},
            {"ipam", {{"type", ipam_type()}, {"subnet", subnet}, {"dataDir", "/var/lib/cni/networks"}}}};
  c.update(extra);
  return c;
}

inline PluginRun cni(const std::string& cmd, const std::string& netns, const std::string& id,
                     const json& conf, const std::string& ifname = "eth0") {
  return run_plugin("berth-bridge",
                    {{"CNI_COMMAND", cmd},
                     {"CNI_CONTAINERID", id},
                     {"CNI_NETNS", netns},
                     {"CNI_IFNAME", ifname},
                     {"CNI_PATH", bin_dir() + ":/usr/lib/cni"}},
                    conf.dump());
}

// Links in the test host namespace other than lo and bridges (what a leak looks like).
inline std::string host_veths() { return sh("ip -o link show type veth | awk -F': ' '{print $2}'"); }
// Lease files of network `name` (berth-ipam and host-local layout: one file per address).
inline int lease_count(const std::string& name) {
  return std::stoi(sh("ls /var/lib/cni/networks/" + name +
                      " 2>/dev/null | grep -cE '^[0-9a-f.:]+$' || true"));
}
inline std::string nft_elements() { return sh("nft list table inet berth 2>/dev/null | grep -A3 elements"); }

}  // namespace berth::test
