// berth-node against a real etcd: simulated nodes (network namespaces joined by an
// "underlay" bridge in the test's host namespace, where etcd listens), each with its own
// agent. A block one node claims is routed on the others, a node that leaves or dies is
// withdrawn, and the routes carry pod traffic between the nodes.
#include <map>
#include <mutex>

#include "tests/netns/cluster_sim.h"

using berth::test::EtcdCluster;
using berth::test::sh;
using berth::test::sh_in;
using namespace berth::test::cluster;

TEST_CASE("cluster node / host-gw: blocks routed on the other nodes within 1 s, withdrawn when a node leaves or dies") {
  make_underlay();
  EtcdCluster etcd(1, 23790, nullptr, kUnderlayHost);
  SimNode n1 = make_node(1), n2 = make_node(2), n3 = make_node(3);
  Agents guard{{&n1, &n2, &n3}};
  start_agent(n1, etcd);
  start_agent(n2, etcd);
  start_agent(n3, etcd);
  // All three registered, each under its lease.
  REQUIRE(until([&] { return etcd.keys("/berth/nodes/").size() == 3; }, std::chrono::seconds(5)).count() >= 0);
  CHECK(json::parse(etcd.value("/berth/nodes/node2"))["address"] == "10.250.0.2");

  // node1's first pod claims 10.244.0.0/26: nodes 2 and 3 route it via node1, node1 not.
  CHECK(claim(n1, etcd, "p1") == "10.244.0.2/26");
  auto t = until([&] { return !route(n2, "10.244.0.0/26").empty() && !route(n3, "10.244.0.0/26").empty(); },
                 std::chrono::seconds(3));
  INFO(sh("cat " + n2.log));
  CHECK(t.count() >= 0);
  CHECK(t < std::chrono::milliseconds(1000));
  CHECK_THAT(route(n2, "10.244.0.0/26"), Catch::Contains("via 10.250.0.1 dev eth0"));
  CHECK(route(n1, "10.244.0.0/26").empty());
  CHECK(claim(n2, etcd, "p2") == "10.244.0.66/26");
  REQUIRE(until([&] { return !route(n1, "10.244.0.64/26").empty(); }, std::chrono::seconds(2)).count() >= 0);

  // The routes carry traffic: node2's pod gateway reaches node1's, and node2 itself reaches
  // an address of node1's block, seen by node1 from node2's own address (no NAT).
  sh_in(n1.ns, "ip link add pods type bridge && ip addr add 10.244.0.1/26 dev pods && ip link set pods up");
  sh_in(n2.ns, "ip link add pods type bridge && ip addr add 10.244.0.65/26 dev pods && ip link set pods up");
  int rc = 1;
  auto ping = sh_in(n2.ns, "ping -c1 -W2 -I 10.244.0.65 10.244.0.1 2>&1", &rc);
  INFO(ping << sh_in(n2.ns, "ip addr; ip route") << sh_in(n1.ns, "ip addr; ip route"));
  CHECK(rc == 0);
  berth::test::tcp_serve_once(n1.ns, 8080, "hello");
  CHECK_THAT(berth::test::tcp_request(n2.ns, "10.244.0.1", 8080), Catch::Contains("hello 10.250.0.2"));

  // Metrics on node3: two remote blocks routed, no block of its own.
  auto metrics = sh_in(n3.ns, "busybox wget -qO- http://127.0.0.1:9402/metrics");
  CHECK_THAT(metrics, Catch::Contains("berth_node_routes 2"));
  CHECK_THAT(metrics, Catch::Contains("berth_node_blocks_owned 0"));
  CHECK_THAT(metrics, Catch::Contains("berth_node_nodes 3"));

  // node1 leaves (SIGTERM): its lease is revoked and the others withdraw within 1 s.
  REQUIRE(stop_agent(n1, SIGTERM));
  t = until([&] { return route(n2, "10.244.0.0/26").empty() && route(n3, "10.244.0.0/26").empty(); },
            std::chrono::seconds(3));
  CHECK(t.count() >= 0);
  CHECK(t < std::chrono::milliseconds(1000));
  CHECK(etcd.keys("/berth/nodes/").size() == 2);
  CHECK_THAT(sh("cat " + n1.log), Catch::Contains("node node1 left"));

  // node2 dies (SIGKILL): withdrawn on node3 once its 2 s lease runs out, within 1 s.
  REQUIRE(stop_agent(n2, SIGKILL));
  auto died = Clock::now();
  t = until([&] { return route(n3, "10.244.0.64/26").empty(); }, std::chrono::seconds(6));
  CHECK(t.count() >= 0);
  CHECK(Clock::now() - died < std::chrono::milliseconds(2000 + 1000 + 500));

  // node2 back: registered again, routed again on node3.
  start_agent(n2, etcd);
  CHECK(until([&] { return !route(n3, "10.244.0.64/26").empty(); }, std::chrono::seconds(2)).count() >= 0);
}

TEST_CASE("cluster node / a restarted agent withdraws the routes that went stale while it was away") {
  make_underlay();
  EtcdCluster etcd(1, 23790, nullptr, kUnderlayHost);
  SimNode n1 = make_node(1), n2 = make_node(2);
  Agents guard{{&n1, &n2}};
  start_agent(n1, etcd);
  start_agent(n2, etcd);
  claim(n2, etcd, "p");
  REQUIRE(until([&] { return !route(n1, "10.244.0.0/26").empty(); }, std::chrono::seconds(3)).count() >= 0);
  REQUIRE(stop_agent(n1, SIGKILL));
  etcd.ctl("del /berth/ipam/" + kNet + "/blocks/10.244.0.0-26");  // the block was freed meanwhile
  CHECK_FALSE(route(n1, "10.244.0.0/26").empty());
  start_agent(n1, etcd);
  CHECK(until([&] { return route(n1, "10.244.0.0/26").empty(); }, std::chrono::seconds(3)).count() >= 0);
}

TEST_CASE("cluster node / bad settings: a clear message and exit status 2") {
  int rc = 0;
  auto out = sh(berth::test::bin_dir() + "/berth-node --node-name n1 --network p --etcd-endpoints http://127.0.0.1:1 2>&1", &rc);
  CHECK(rc == 2);
  CHECK_THAT(out, Catch::Contains("--node-ip"));
  out = sh(berth::test::bin_dir() + "/berth-node --node-ip 10.0.0.1 --network p --etcd-endpoints 127.0.0.1:2379 2>&1", &rc);
  CHECK(rc == 2);
  CHECK_THAT(out, Catch::Contains("etcd.endpoints[0]"));
  out = sh(berth::test::bin_dir() + "/berth-node --node-ip 10.0.0.1 --network p --mode bgp --etcd-endpoints http://127.0.0.1:1 2>&1", &rc);
  CHECK(rc == 2);
  CHECK_THAT(out, Catch::Contains("known modes"));
}

TEST_CASE("cluster node / a dead node's blocks are freed after the grace, and only then") {
  make_underlay();
  EtcdCluster etcd(1, 23790, nullptr, kUnderlayHost);
  SimNode n1 = make_node(1), n2 = make_node(2);
  Agents guard{{&n1, &n2}};
  start_agent(n1, etcd, 1, 2);
  start_agent(n2, etcd, 1, 2);
  CHECK(claim(n2, etcd, "p") == "10.244.0.2/26");
  const std::string key = "/berth/ipam/" + kNet + "/blocks/10.244.0.0-26";
  REQUIRE(until([&] { return !route(n1, "10.244.0.0/26").empty(); }, std::chrono::seconds(3)).count() >= 0);
  REQUIRE(stop_agent(n2, SIGKILL));
  // Withdrawn once the 1 s lease runs out; the claim itself outlives it by the 2 s grace
  // (counted from when node1 saw node2 gone, which is when it withdrew the route).
  // The polls see each event up to one shell round trip late (more on a loaded machine), so
  // the grace itself is read from node1's log, stamped by the agent as it acts.
  REQUIRE(until([&] { return route(n1, "10.244.0.0/26").empty(); }, std::chrono::seconds(4)).count() >= 0);
  const auto withdrawn = Clock::now();
  CHECK_FALSE(etcd.value(key).empty());
  REQUIRE(until([&] { return etcd.value(key).empty(); }, std::chrono::seconds(8)).count() >= 0);
  const auto freed = Clock::now() - withdrawn;
  const std::string log = sh("cat " + n1.log);
  INFO(log);
  auto stamp_ms = [&](const std::string& event) -> long {  // "...T19:57:23.914 ... <event>"
    auto at = log.find(event);
    if (at == std::string::npos) return -1;
    auto line = log.rfind('T', log.rfind(" berth-node", at));
    int h = 0, m = 0, sec = 0, ms = 0;
    if (line == std::string::npos || std::sscanf(log.c_str() + line, "T%d:%d:%d.%d", &h, &m, &sec, &ms) != 4) return -1;
    return ((h * 60L + m) * 60L + sec) * 1000L + ms;
  };
  const long withdrawn_at = stamp_ms("route 10.244.0.0/26 withdrawn"), freed_at = stamp_ms("freed block 10.244.0.0/26");
  REQUIRE(withdrawn_at >= 0);
  REQUIRE(freed_at >= 0);
  CHECK(freed_at - withdrawn_at >= 1900);  // the 2 s grace, less the log's millisecond rounding
  CHECK(freed < std::chrono::milliseconds(2000 + 1500));
  CHECK_THAT(sh_in(n1.ns, "busybox wget -qO- http://127.0.0.1:9402/metrics"), Catch::Contains("berth_node_blocks_freed_total 1"));
  // The block is free for the living: node1's first pod gets it.
  CHECK(claim(n1, etcd, "q") == "10.244.0.2/26");
}

TEST_CASE("cluster node / a node back after its block was freed and claimed by another stops allocating from it") {
  make_underlay();
  EtcdCluster etcd(1, 23790, nullptr, kUnderlayHost);
  SimNode n1 = make_node(1), n2 = make_node(2);
  Agents guard{{&n1, &n2}};
  start_agent(n2, etcd);
  CHECK(claim(n2, etcd, "old") == "10.244.0.2/26");
  REQUIRE(stop_agent(n2, SIGKILL));
  // While node2 is away its block is freed (as a dead node's is) and node1 claims it.
  etcd.ctl("del /berth/ipam/" + kNet + "/blocks/10.244.0.0-26");
  CHECK(claim(n1, etcd, "new") == "10.244.0.2/26");
  // node2's agent returns: it drops the block from node2's cache, so node2's next pod gets
  // an address from a block of its own, not one of node1's.
  start_agent(n2, etcd);
  auto t = until([&] { return sh("ls " + n2.data_dir + "/" + kNet + "/blocks/").empty(); }, std::chrono::seconds(4));
  INFO(sh("cat " + n2.log));
  CHECK(t.count() >= 0);
  CHECK_THAT(sh("cat " + n2.log), Catch::Contains("block 10.244.0.0/26 is no longer this node's"));
  CHECK(claim(n2, etcd, "next") == "10.244.0.66/26");
}

TEST_CASE("cluster node / a block empty for longer than the grace goes back to the cluster, the last one stays") {
  make_underlay();
  EtcdCluster etcd(1, 23790, nullptr, kUnderlayHost);
  SimNode n1 = make_node(1);
  Agents guard{{&n1}};
  start_agent(n1, etcd, 2, 300, "host-gw", "--empty-block-grace 1");
  // blockSize 30: one address per block, so each pod claims one.
  json ipam = cluster_ipam(n1, etcd);
  ipam["blockSize"] = 30;
  json conf{{"cniVersion", "1.1.0"}, {"name", kNet}, {"type", "berth-bridge"}, {"ipam", ipam}};
  auto ipam_op = [&](const std::string& cmd, const std::string& id) {
    auto r = berth::test::run_plugin(
        "berth-ipam", {{"CNI_COMMAND", cmd}, {"CNI_CONTAINERID", id}, {"CNI_IFNAME", "eth0"}, {"CNI_NETNS", "/x"}},
        conf.dump());
    INFO(cmd << " " << id << ": " << r.out << r.err);
    REQUIRE(r.exit_code == 0);
  };
  const std::string blocks = "/berth/ipam/" + kNet + "/blocks/";
  ipam_op("ADD", "p1");
  ipam_op("ADD", "p2");
  REQUIRE(etcd.keys(blocks).size() == 2);
  ipam_op("DEL", "p1");
  // p1's block goes back once it has been empty for the 1 s grace (checked about once a second).
  auto t = until([&] { return etcd.keys(blocks).size() == 1; }, std::chrono::seconds(5));
  INFO(sh("cat " + n1.log));
  CHECK(t.count() >= 0);
  CHECK(t >= std::chrono::milliseconds(900));
  CHECK(etcd.keys(blocks) == std::vector<std::string>{blocks + "10.244.0.4-30"});
  CHECK(sh("ls " + n1.data_dir + "/" + kNet + "/blocks/") == "10.244.0.4-30\n");
  CHECK_THAT(sh_in(n1.ns, "busybox wget -qO- http://127.0.0.1:9402/metrics"), Catch::Contains("berth_node_blocks_returned_total 1"));
  // The last block stays however long it is empty.
  ipam_op("DEL", "p2");
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  CHECK(etcd.keys(blocks).size() == 1);
  // And the returned one is free for the next claim.
  ipam_op("ADD", "p3");
  ipam_op("ADD", "p4");
  CHECK(etcd.keys(blocks).size() == 2);
}

TEST_CASE("cluster node / a second node under a name already registered is refused, the same node restarted is not") {
  make_underlay();
  EtcdCluster etcd(1, 23790, nullptr, kUnderlayHost);
  SimNode n1 = make_node(1), n2 = make_node(2);
  Agents guard{{&n1, &n2}};
  start_agent(n1, etcd);
  REQUIRE(until([&] { return !etcd.value("/berth/nodes/node1").empty(); }, std::chrono::seconds(3)).count() >= 0);
  // node2's agent misconfigured with node1's name.
  int rc = 0;
  auto out = sh("nsenter --net=" + n2.ns + " " + berth::test::bin_dir() + "/berth-node --node-name node1 --node-ip " +
                    n2.ip + " --network " + kNet + " --etcd-endpoints " + etcd.endpoint() + " 2>&1",
                &rc);
  CHECK(rc == 1);
  CHECK_THAT(out, Catch::Contains("node name `node1` is registered by another node, at 10.250.0.1"));
  CHECK(json::parse(etcd.value("/berth/nodes/node1"))["address"] == "10.250.0.1");
  // node1 killed and back at once (its old lease still alive): it takes its name again.
  REQUIRE(stop_agent(n1, SIGKILL));
  start_agent(n1, etcd);
  auto registrations = [&] {
    const std::string log = sh("cat " + n1.log);
    size_t n = 0;
    for (size_t at = log.find("node node1 registered"); at != std::string::npos; at = log.find("node node1 registered", at + 1)) ++n;
    return n;
  };
  CHECK(until([&] { return registrations() == 2; }, std::chrono::seconds(3)).count() >= 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK(alive(n1.agent_pid));
}

TEST_CASE("cluster node / 3 nodes x 32 parallel ADDs then DELs, twice: every lease mirrored in etcd, none left after") {
  make_underlay();
  EtcdCluster etcd(1, 23790, nullptr, kUnderlayHost);
  SimNode n1 = make_node(1), n2 = make_node(2), n3 = make_node(3);
  std::vector<SimNode*> nodes{&n1, &n2, &n3};
  Agents guard{nodes};
  for (auto* n : nodes) start_agent(*n, etcd);
  const std::string leases = "/berth/ipam/" + kNet + "/leases/";
  auto op = [&](const SimNode& n, const std::string& cmd, const std::string& id) {
    json conf{{"cniVersion", "1.1.0"}, {"name", kNet}, {"type", "berth-bridge"}, {"ipam", cluster_ipam(n, etcd)}};
    return berth::test::run_plugin(
        "berth-ipam", {{"CNI_COMMAND", cmd}, {"CNI_CONTAINERID", id}, {"CNI_IFNAME", "eth0"}, {"CNI_NETNS", "/x"}},
        conf.dump());
  };
  for (int round = 0; round < 2; ++round) {
    std::map<std::string, std::string> given;  // address -> "node/id"
    std::mutex mu;
    int failures = 0;
    std::vector<std::thread> workers;
    for (auto* n : nodes)
      for (int i = 0; i < 32; ++i)
        workers.emplace_back([&, n, i] {
          const std::string id = "r" + std::to_string(round) + "-" + std::to_string(i);
          auto r = op(*n, "ADD", id);
          std::lock_guard lock(mu);
          if (r.exit_code != 0) {
            ++failures;
            return;
          }
          std::string ip = r.json["ips"][0]["address"];
          given.emplace(ip.substr(0, ip.find('/')), n->name + "/" + id);
        });
    for (auto& w : workers) w.join();
    REQUIRE(failures == 0);
    REQUIRE(given.size() == 96);  // no address given twice
    // Every lease in etcd within 2 s, naming the node and container that hold it.
    REQUIRE(until([&] { return etcd.keys(leases).size() == 96; }, std::chrono::seconds(3)).count() >= 0);
    for (const auto& [ip, holder] : given) {
      auto v = json::parse(etcd.value(leases + ip));
      CHECK(v["node"].get<std::string>() + "/" + v["containerID"].get<std::string>() == holder);
    }
    workers.clear();
    for (auto* n : nodes)
      for (int i = 0; i < 32; ++i)
        workers.emplace_back([&, n, i] {
          auto r = op(*n, "DEL", "r" + std::to_string(round) + "-" + std::to_string(i));
          std::lock_guard lock(mu);
          if (r.exit_code != 0) ++failures;
        });
    for (auto& w : workers) w.join();
    REQUIRE(failures == 0);
    CHECK(until([&] { return etcd.keys(leases).empty(); }, std::chrono::seconds(3)).count() >= 0);
  }
}
