// Simulated cluster nodes for the netns tests of berth-node: network namespaces joined
// by "underlay" bridges in the test's host namespace (where etcd listens, and which routes
// between the underlay subnets), each node with its own agent and plugin state.
#pragma once

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "tests/netns/etcd_server.h"
#include "tests/netns/fixture.h"

namespace berth::test::cluster {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

inline const std::string kNet = "podnet";
inline const std::string kUnderlayHost = "10.250.0.254";

struct SimNode {
  std::string name, ns, ip, data_dir, log;
  int agent_pid = -1;
};

// A node namespace with eth0 on underlay bridge ul<subnet> at 10.25<subnet>.0.<n>/24, its
// default route via the host namespace (10.25<subnet>.0.254).
inline SimNode make_node(int n, int subnet = 0) {
  SimNode s;
  s.name = "node" + std::to_string(n);
  const std::string net = "10.25" + std::to_string(subnet) + ".0.";
  s.ip = net + std::to_string(n);
  s.ns = make_netns(s.name);
  s.data_dir = temp_dir();
  s.log = s.data_dir + "/agent.log";
  sh("ip link add ul-" + s.name + " type veth peer name eth0 netns " + s.ns + " && ip link set ul-" + s.name +
     " master ul" + std::to_string(subnet) + " up");
  sh_in(s.ns, "ip addr add " + s.ip + "/24 dev eth0 && ip link set eth0 up && ip route add default via " + net + "254");
  return s;
}

// Underlay bridge ul<subnet> (10.25<subnet>.0.254/24) in the host namespace, which forwards
// between the underlays (the L3 path a vxlan overlay crosses; it knows no pod route).
inline void make_underlay(int subnet = 0) {
  const std::string br = "ul" + std::to_string(subnet);
  sh("ip link add " + br + " type bridge && ip addr add 10.25" + std::to_string(subnet) + ".0.254/24 dev " + br +
     " && ip link set " + br + " up && sysctl -qw net.ipv4.ip_forward=1");
}

inline void start_agent(SimNode& s, const EtcdCluster& etcd, int ttl = 2, int grace = 300,
                        const std::string& mode = "host-gw", const std::string& extra = "") {
  const std::string cmd = "nsenter --net=" + s.ns + " " + bin_dir() + "/berth-node --node-name " + s.name +
                          " --node-ip " + s.ip + " --network " + kNet + " --mode " + mode + " --etcd-endpoints " +
                          etcd.endpoint() + " --lease-ttl " + std::to_string(ttl) + " --dead-node-grace " +
                          std::to_string(grace) + " --metrics-address 127.0.0.1:9402 --ipam-data-dir " + s.data_dir + " " + extra + " >>" + s.log + " 2>&1 & echo $!";
  s.agent_pid = std::stoi(sh(cmd));
}

inline bool alive(int pid) { return pid > 0 && kill(pid, 0) == 0; }

// Waits for the agent to end after `sig`; true when it did within 5 s.
inline bool stop_agent(SimNode& s, int sig) {
  kill(s.agent_pid, sig);
  for (int i = 0; i < 100 && alive(s.agent_pid); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  bool gone = !alive(s.agent_pid);
  s.agent_pid = -1;
  return gone;
}

// berth-ipam's cluster store settings for node `s`.
inline json cluster_ipam(const SimNode& s, const EtcdCluster& etcd) {
  return json{{"type", "berth-ipam"},
              {"store", {{"type", "etcd"}, {"endpoints", {etcd.endpoint()}}}},
              {"clusterCIDR", "10.244.0.0/16"},
              {"nodeName", s.name},
              {"dataDir", s.data_dir}};
}

// A block claimed for `s` through berth-ipam (as the node's first pod's ADD would).
inline std::string claim(const SimNode& s, const EtcdCluster& etcd, const std::string& id) {
  json conf{{"cniVersion", "1.1.0"}, {"name", kNet}, {"type", "berth-bridge"}, {"ipam", cluster_ipam(s, etcd)}};
  auto r = run_plugin("berth-ipam",
                      {{"CNI_COMMAND", "ADD"}, {"CNI_CONTAINERID", id}, {"CNI_IFNAME", "eth0"},
                       {"CNI_NETNS", "/var/run/netns/x"}},
                      conf.dump());
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  return r.json["ips"][0]["address"];
}

// Runs `plugin` inside node `s`'s namespace, as the node's runtime would.
inline PluginRun run_on_node(const SimNode& s, const std::string& plugin,
                             std::map<std::string, std::string> env, const std::string& conf) {
  const std::string wrapper = s.data_dir + "/" + plugin + ".on-node";
  if (access(wrapper.c_str(), X_OK) != 0) {
    std::ofstream(wrapper) << "#!/bin/sh\nexec nsenter --net=" << s.ns << " " << bin_dir() << "/" << plugin << "\n";
    sh("chmod 0755 " + wrapper);
  }
  return run_plugin(wrapper, std::move(env), conf);
}

inline std::string route(const SimNode& s, const std::string& dst) {
  auto out = sh_in(s.ns, "ip route show " + dst + " proto 245");
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

// Polls until `pred` holds; the time it took, or -1 ms after `limit`.
template <typename Pred>
std::chrono::milliseconds until(Pred pred, std::chrono::milliseconds limit) {
  auto t0 = Clock::now();
  while (Clock::now() - t0 < limit) {
    if (pred()) return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return std::chrono::milliseconds(-1);
}

// SIGKILLs the agents still running when the test ends (passed or not).
struct Agents {
  std::vector<SimNode*> nodes;
  ~Agents() {
    for (auto* n : nodes)
      if (n->agent_pid > 0) kill(n->agent_pid, SIGKILL);
  }
};

}  // namespace berth::test::cluster
