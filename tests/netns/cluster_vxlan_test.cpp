// berth-node's vxlan mode against a real etcd: node1 and node2 share an underlay subnet,
// node3 is on another one, reached through the test's host namespace acting as a router
// that knows no pod route. Pods made by berth-bridge with the cluster store reach each
// other across the overlay, unNATed, and the outside masqueraded; a node that leaves is withdrawn (routes, neighbour
// and FDB entries) within 1 s; a restarted agent keeps what holds and drops what went stale.
#include "tests/netns/cluster_sim.h"

using berth::test::EtcdCluster;
using berth::test::sh;
using berth::test::sh_in;
using namespace berth::test::cluster;

namespace {

struct Pod {
  std::string id, ns, ip;  // ip without its prefix length
};

json bridge_conf(const SimNode& s, const EtcdCluster& etcd) {
  return json{{"cniVersion", "1.1.0"}, {"name", kNet}, {"type", "berth-bridge"}, {"bridge", "cni0"},
              {"isGateway", true}, {"isDefaultGateway", true}, {"ipMasq", false}, {"mtu", 1450}, {"ipam", cluster_ipam(s, etcd)}};
}

Pod add_pod(const SimNode& s, const EtcdCluster& etcd, const std::string& id) {
  Pod p{id, berth::test::make_netns(id), ""};
  auto r = run_on_node(s, "berth-bridge",
                       {{"CNI_COMMAND", "ADD"}, {"CNI_CONTAINERID", id}, {"CNI_IFNAME", "eth0"}, {"CNI_NETNS", p.ns}},
                       bridge_conf(s, etcd).dump());
  INFO("ADD " << id << " on " << s.name << ": " << r.out << r.err);
  REQUIRE(r.exit_code == 0);
  std::string cidr = r.json["ips"][0]["address"];
  p.ip = cidr.substr(0, cidr.find('/'));
  return p;
}

void del_pod(const SimNode& s, const EtcdCluster& etcd, const Pod& p) {
  auto r = run_on_node(s, "berth-bridge",
                       {{"CNI_COMMAND", "DEL"}, {"CNI_CONTAINERID", p.id}, {"CNI_IFNAME", "eth0"}, {"CNI_NETNS", p.ns}},
                       bridge_conf(s, etcd).dump());
  INFO("DEL " << p.id << ": " << r.out << r.err);
  CHECK(r.exit_code == 0);
}

std::string vx(const SimNode& s, const std::string& cmd) { return sh_in(s.ns, cmd + " 2>&1"); }

uint64_t tx_packets(const SimNode& s) {
  // ip, not /sys: sysfs shows the links of the namespace it was mounted in.
  auto j = json::parse(sh_in(s.ns, "ip -j -s link show dev berth.vxlan"), nullptr, false);
  if (!j.is_array() || j.empty()) return 0;
  return j[0]["stats64"]["tx"]["packets"].get<uint64_t>();
}

}  // namespace

TEST_CASE("cluster node / vxlan: pods on nodes of different subnets reach each other through the overlay, unNATed") {
  make_underlay(0);
  make_underlay(1);
  EtcdCluster etcd(1, 23790, nullptr, kUnderlayHost);
  SimNode n1 = make_node(1, 0), n2 = make_node(2, 0), n3 = make_node(3, 1);
  Agents guard{{&n1, &n2, &n3}};
  const std::string masq = "--cluster-cidr 10.244.0.0/16";
  for (auto* n : {&n1, &n2, &n3}) start_agent(*n, etcd, 2, 300, "vxlan", masq);
  REQUIRE(until([&] { return etcd.keys("/berth/nodes/").size() == 3; }, std::chrono::seconds(5)).count() >= 0);
  // Each node advertises its device's MAC.
  const std::string mac3 = json::parse(etcd.value("/berth/nodes/node3")).value("vtepMac", "");
  CHECK_THAT(sh_in(n3.ns, "ip -br link show dev berth.vxlan"), Catch::Contains(mac3));
  CHECK_THAT(vx(n1, "ip -d link show berth.vxlan"), Catch::Contains("vxlan id 1 local 10.250.0.1"));
  CHECK_THAT(vx(n1, "ip link show berth.vxlan"), Catch::Contains("mtu 1450"));  // the underlay's, less 50

  Pod a = add_pod(n1, etcd, "pod-a");
  Pod c = add_pod(n3, etcd, "pod-c");
  CHECK(a.ip == "10.244.0.2");
  CHECK(c.ip == "10.244.0.66");
  // Each node's agent mirrors its leases into etcd: who holds every address.
  const std::string leases = "/berth/ipam/" + kNet + "/leases/";
  REQUIRE(until([&] { return etcd.keys(leases).size() == 2; }, std::chrono::seconds(2)).count() >= 0);
  auto held = json::parse(etcd.value(leases + c.ip));
  CHECK(held == json{{"node", "node3"}, {"containerID", "pod-c"}, {"ifname", "eth0"}});

  // Routed through the overlay on node1 and node2, towards node1 on node3.
  auto t = until([&] {
    return !route(n1, "10.244.0.64/26").empty() && !route(n2, "10.244.0.64/26").empty() &&
           !route(n3, "10.244.0.0/26").empty();
  }, std::chrono::seconds(3));
  INFO(sh("cat " + n1.log + " " + n3.log));
  REQUIRE(t.count() >= 0);
  CHECK(t < std::chrono::milliseconds(1000));
  CHECK_THAT(route(n1, "10.244.0.64/26"), Catch::Contains("via 10.244.0.64 dev berth.vxlan"));
  CHECK_THAT(vx(n1, "ip neigh show dev berth.vxlan"), Catch::Contains("10.244.0.64 lladdr " + mac3 + " PERMANENT"));
  CHECK_THAT(vx(n1, "bridge fdb show dev berth.vxlan"), Catch::Contains(mac3 + " dst 10.251.0.3"));
  CHECK_THAT(vx(n1, "ip addr show dev berth.vxlan"), Catch::Contains("inet 10.244.0.0/32"));
  // The router in between knows no pod route: only the overlay can carry this.
  CHECK(sh("ip route show 10.244.0.0/16 root 10.244.0.0/16").empty());

  // Pod to pod, both ways, by ping and TCP; the receiver sees the sender's own address.
  const uint64_t tx_before = tx_packets(n1);
  int rc = 1;
  auto ping = sh_in(a.ns, "ping -c1 -W2 " + c.ip + " 2>&1", &rc);
  INFO(ping << vx(n1, "ip route; ip neigh; bridge fdb show dev berth.vxlan") << vx(n3, "ip route; ip addr"));
  CHECK(rc == 0);
  CHECK(tx_packets(n1) > tx_before);
  sh_in(c.ns, "ping -c1 -W2 " + a.ip, &rc);
  CHECK(rc == 0);
  berth::test::tcp_serve_once(c.ns, 8080, "hello");
  CHECK_THAT(berth::test::tcp_request(a.ns, c.ip, 8080), Catch::Contains("hello " + a.ip));
  // A node reaches a remote pod, from its VTEP address (routed back through the overlay).
  berth::test::tcp_serve_once(c.ns, 8081, "node");
  CHECK_THAT(berth::test::tcp_request(n1.ns, c.ip, 8081), Catch::Contains("node 10.244.0.0"));

  // To the outside (a namespace behind the router): masqueraded to node1's address; the
  // outside knows no pod route, so an unNATed packet would get no answer.
  std::string outside = berth::test::make_netns("outside");
  sh("ip link add ul-out type veth peer name eth0 netns " + outside +
     " && ip addr add 10.252.0.254/24 dev ul-out && ip link set ul-out up");
  sh_in(outside, "ip addr add 10.252.0.1/24 dev eth0 && ip link set eth0 up && ip route add default via 10.252.0.254");
  // A veth just brought up drops what it is given until the kernel's link watch (run at
  // most once a second, later on a loaded machine) activates its queue: wait until the
  // router reaches the outside, so that a lost SYN is not taken for a masquerade fault.
  CHECK(until([&] { return sh("ping -c1 -W1 10.252.0.1 >/dev/null 2>&1 && echo ok") == "ok\n"; },
              std::chrono::seconds(10)).count() >= 0);
  berth::test::tcp_serve_once(outside, 8082, "outside");
  // The server answers one connection: a try whose SYN got nowhere leaves it for the next.
  std::string answer;
  until([&] { return !(answer = berth::test::tcp_request(a.ns, "10.252.0.1", 8082)).empty(); },
        std::chrono::seconds(10));
  CHECK_THAT(answer, Catch::Contains("outside 10.250.0.1"));
  CHECK_THAT(vx(n1, "nft list table inet berth_node"), Catch::Contains("ip saddr 10.244.0.0/16 masquerade"));

  // node1's agent restarts while node3 leaves: what still holds stays, node3's entries go.
  REQUIRE(stop_agent(n1, SIGKILL));
  REQUIRE(stop_agent(n3, SIGTERM));
  t = until([&] { return route(n2, "10.244.0.64/26").empty(); }, std::chrono::seconds(3));
  CHECK(t.count() >= 0);
  CHECK(t < std::chrono::milliseconds(1000));
  CHECK_THAT(vx(n2, "bridge fdb show dev berth.vxlan"), !Catch::Contains("dst 10.251.0.3"));
  CHECK_THAT(vx(n2, "ip neigh show dev berth.vxlan"), !Catch::Contains("10.244.0.64"));
  CHECK_FALSE(route(n1, "10.244.0.64/26").empty());  // stale on node1 while its agent is away
  start_agent(n1, etcd, 2, 300, "vxlan", masq);
  t = until([&] {
    return route(n1, "10.244.0.64/26").empty() && vx(n1, "bridge fdb show dev berth.vxlan").find("10.251.0.3") == std::string::npos;
  }, std::chrono::seconds(3));
  CHECK(t.count() >= 0);
  CHECK_THAT(vx(n1, "ip neigh show dev berth.vxlan"), !Catch::Contains("10.244.0.64"));
  CHECK_THAT(vx(n1, "ip addr show dev berth.vxlan"), Catch::Contains("inet 10.244.0.0/32"));

  // A DEL's release reaches etcd (node3's records went with its lease when it left).
  CHECK(etcd.keys(leases) == std::vector<std::string>{leases + a.ip});
  del_pod(n1, etcd, a);
  CHECK(until([&] { return etcd.keys(leases).empty(); }, std::chrono::seconds(2)).count() >= 0);
  CHECK_THAT(sh_in(n1.ns, "busybox wget -qO- http://127.0.0.1:9402/metrics"), Catch::Contains("berth_node_releases_total 1"));

  // An agent that stops takes its masquerade table along.
  REQUIRE(stop_agent(n1, SIGTERM));
  CHECK_THAT(vx(n1, "nft list table inet berth_node"), Catch::Contains("No such file or directory"));
  del_pod(n3, etcd, c);
}
