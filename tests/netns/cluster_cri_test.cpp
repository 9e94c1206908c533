// Kubernetes' node path, end to end: containerd's CRI plugin -> libcni -> berth. node1
// runs a private containerd (Debian's 1.6) whose pods are created over CRI gRPC, as the
// kubelet creates them (tests/netns/cri/cri_client.py); its conflist is berth-bridge with
// berth-ipam on the cluster's etcd store. node2's pod is made by berth-bridge directly.
// Both nodes run berth-node (host-gw). What a cluster user checks: the sandbox's address
// (from node1's block), its eth0, pod-to-pod traffic across nodes unNATed, the lease in
// etcd naming the node and the sandbox, and nothing left once the sandbox is removed.
#include <arpa/inet.h>
#include <unistd.h>

#include <fstream>
#include <set>

#include "tests/netns/cluster_sim.h"
#include "tests/netns/cri/cri_node.h"

using berth::test::EtcdCluster;
using berth::test::sh;
using berth::test::sh_in;
using namespace berth::test::cluster;
namespace cri = berth::test::cri;

namespace {

json bridge_plugin(const SimNode& s, const EtcdCluster& etcd) {
  return json{{"type", "berth-bridge"}, {"bridge", "cni0"},        {"isGateway", true},
              {"isDefaultGateway", true}, {"ipMasq", false}, {"ipam", cluster_ipam(s, etcd)}};
}

// IPv4 `ip` inside `cidr` ("10.244.0.0/26").
bool in_block(const std::string& ip, const std::string& cidr) {
  in_addr a{}, n{};
  const auto slash = cidr.find('/');
  if (slash == std::string::npos || inet_pton(AF_INET, ip.c_str(), &a) != 1 ||
      inet_pton(AF_INET, cidr.substr(0, slash).c_str(), &n) != 1)
    return false;
  const int len = std::stoi(cidr.substr(slash + 1));
  const uint32_t mask = len == 0 ? 0 : htonl(~uint32_t{0} << (32 - len));
  return (a.s_addr & mask) == (n.s_addr & mask);
}

// The CIDR of the block etcd records as `node`'s ("" when none or several).
std::string block_of(const EtcdCluster& etcd, const std::string& node) {
  std::string found;
  for (const auto& key : etcd.keys("/berth/ipam/" + kNet + "/blocks/")) {
    auto v = json::parse(etcd.value(key), nullptr, false);
    if (v.is_object() && v.value("node", "") == node) {
      if (!found.empty()) return "";
      found = v.value("cidr", "");
    }
  }
  return found;
}

struct CriPod {
  std::string name, id, ip, netns;
};

}  // namespace

TEST_CASE("cluster CRI / pods created over CRI by node1's containerd get node1's addresses and reach node2's pod unNATed") {
  if (auto why = cri::missing_tools(); !why.empty()) {
    WARN("containerd cannot run here (" << why << "; scripts/setup.sh installs it): skipped");
    return;
  }
  make_underlay();
  EtcdCluster etcd(1, 23790, nullptr, kUnderlayHost);
  SimNode n1 = make_node(1), n2 = make_node(2);
  Agents agents{{&n1, &n2}};
  start_agent(n1, etcd);
  start_agent(n2, etcd);
  REQUIRE(until([&] { return etcd.keys("/berth/nodes/").size() == 2; }, std::chrono::seconds(5)).count() >= 0);

  // node1's CNI setup as a node's: berth's binaries with `loopback` -> berth-none (the
  // CRI plugin's own loopback network), and one conflist.
  const std::string bin = berth::test::temp_dir(), conf = berth::test::temp_dir();
  sh("ln -s " + berth::test::bin_dir() + "/* " + bin + "/ && ln -s " + berth::test::bin_dir() + "/berth-none " + bin +
     "/loopback");
  json list{{"cniVersion", "1.0.0"}, {"name", kNet}, {"plugins", json::array({bridge_plugin(n1, etcd)})}};
  std::ofstream(conf + "/10-berth.conflist") << list.dump(2);

  cri::Containerd containerd;
  containerd.start(n1.ns, bin, conf);
  {
    int rc = 1;
    std::string err;
    auto version = containerd.cri("version", &rc, &err);
    INFO(err << sh("tail -30 " + containerd.log()));
    REQUIRE(rc == 0);
    CHECK(version["runtime_name"] == "containerd");
    CHECK(version["runtime_api_version"] == "v1");
  }

  // Three sandboxes, as the kubelet's RunPodSandbox makes them; the first claims node1's block.
  std::vector<CriPod> pods;
  std::set<std::string> ips;
  for (int i = 1; i <= 3; ++i) {
    CriPod p{"web-" + std::to_string(i), "", "", ""};
    int rc = 1;
    std::string err;
    auto run = containerd.cri("run " + p.name + " uid-" + std::to_string(i) + " default " +
                                  containerd.cgroup_parent() + " " + containerd.log_dir(),
                              &rc, &err);
    INFO("RunPodSandbox " << p.name << ": " << err << sh("tail -20 " + containerd.log()));
    REQUIRE(rc == 0);
    p.id = run["id"];
    auto status = containerd.cri("status " + p.id);
    REQUIRE(status.is_object());
    CHECK(status["state"] == "SANDBOX_READY");
    p.ip = status["ip"];
    p.netns = status["netns"];
    CHECK(status["additional_ips"].empty());
    REQUIRE_FALSE(p.netns.empty());
    ips.insert(p.ip);
    pods.push_back(p);
  }
  CHECK(ips.size() == 3);
  const std::string block = block_of(etcd, "node1");
  REQUIRE_FALSE(block.empty());
  for (const auto& p : pods) {
    INFO(p.name << " " << p.ip << " block " << block);
    CHECK(in_block(p.ip, block));
    // The sandbox's own namespace has eth0 with that address, routed via the bridge.
    CHECK_THAT(sh_in(p.netns, "ip -4 -o addr show dev eth0"), Catch::Contains("inet " + p.ip + "/26"));
    CHECK_THAT(sh_in(p.netns, "ip route show default"), Catch::Contains("dev eth0"));
    CHECK(access(p.netns.c_str(), F_OK) == 0);
  }
  CHECK(sh_in(n1.ns, "ip -o link show master cni0 | wc -l") == "3\n");

  // node2's pod, from berth-bridge directly; node2 gets a block of its own.
  const std::string b_ns = berth::test::make_netns("pod-b");
  json b_conf = bridge_plugin(n2, etcd);
  b_conf["cniVersion"] = "1.1.0";
  b_conf["name"] = kNet;
  auto add = run_on_node(n2, "berth-bridge",
                         {{"CNI_COMMAND", "ADD"}, {"CNI_CONTAINERID", "pod-b"}, {"CNI_IFNAME", "eth0"}, {"CNI_NETNS", b_ns}},
                         b_conf.dump());
  INFO(add.out << add.err);
  REQUIRE(add.exit_code == 0);
  std::string b_ip = add.json["ips"][0]["address"];
  b_ip = b_ip.substr(0, b_ip.find('/'));
  CHECK(in_block(b_ip, block_of(etcd, "node2")));
  CHECK_FALSE(in_block(b_ip, block));

  // The leases, mirrored into etcd by node1's agent, name node1 and the sandbox.
  const std::string leases = "/berth/ipam/" + kNet + "/leases/";
  auto t = until([&] { return etcd.keys(leases).size() == 4; }, std::chrono::seconds(3));
  INFO(sh("cat " + n1.log));
  REQUIRE(t.count() >= 0);
  for (const auto& p : pods) {
    CHECK(json::parse(etcd.value(leases + p.ip)) == json{{"node", "node1"}, {"containerID", p.id}, {"ifname", "eth0"}});
    CHECK_THAT(sh("cat " + n1.data_dir + "/" + kNet + "/" + p.ip), Catch::Contains(p.id));
  }

  // Across the nodes, both ways, by ping and TCP; each side sees the other's pod address.
  REQUIRE(until([&] { return !route(n2, block).empty() && !route(n1, block_of(etcd, "node2")).empty(); },
                std::chrono::seconds(3))
              .count() >= 0);
  const CriPod& a = pods[0];
  int rc = 1;
  auto ping = sh_in(a.netns, "ping -c1 -W2 " + b_ip + " 2>&1", &rc);
  INFO(ping << sh_in(n1.ns, "ip route; ip addr") << sh_in(n2.ns, "ip route"));
  CHECK(rc == 0);
  sh_in(b_ns, "ping -c1 -W2 " + a.ip, &rc);
  CHECK(rc == 0);
  berth::test::tcp_serve_once(b_ns, 8080, "node2-pod");
  CHECK(berth::test::tcp_request(a.netns, b_ip, 8080) == "node2-pod " + a.ip);
  berth::test::tcp_serve_once(pods[2].netns, 8081, "cri-pod");
  CHECK(berth::test::tcp_request(b_ns, pods[2].ip, 8081) == "cri-pod " + b_ip);

  // StopPodSandbox tears the network down (CNI DEL), RemovePodSandbox forgets the sandbox:
  // the lease leaves berth's directory and etcd, the veth and the netns file go.
  for (const auto& p : pods) {
    std::string err;
    containerd.cri("stop " + p.id, &rc, &err);
    INFO("StopPodSandbox " << p.name << ": " << err);
    REQUIRE(rc == 0);
    CHECK(containerd.cri("status " + p.id)["state"] == "SANDBOX_NOTREADY");
    CHECK(access((n1.data_dir + "/" + kNet + "/" + p.ip).c_str(), F_OK) != 0);
    containerd.cri("remove " + p.id, &rc, &err);
    INFO("RemovePodSandbox " << p.name << ": " << err);
    REQUIRE(rc == 0);
    CHECK(access(p.netns.c_str(), F_OK) != 0);
  }
  CHECK(containerd.cri("list") == json::array());
  CHECK(until([&] { return etcd.keys(leases) == std::vector<std::string>{leases + b_ip}; }, std::chrono::seconds(3))
            .count() >= 0);
  CHECK(sh_in(n1.ns, "ip -o link show master cni0").empty());
  CHECK(sh_in(n1.ns, "ip -o link show type veth | grep -v ': eth0@'").empty());
  CHECK(sh("ls " + containerd.state_dir() + "/io.containerd.grpc.v1.cri/netns/ 2>/dev/null").empty());
  // The sandboxes' processes went with them: their cgroups are empty.
  CHECK(sh("cat $(find /sys/fs/cgroup/pids" + containerd.cgroup_parent() + " -name cgroup.procs) 2>/dev/null").empty());

  auto del = run_on_node(n2, "berth-bridge",
                         {{"CNI_COMMAND", "DEL"}, {"CNI_CONTAINERID", "pod-b"}, {"CNI_IFNAME", "eth0"}, {"CNI_NETNS", b_ns}},
                         b_conf.dump());
  CHECK(del.exit_code == 0);
}
