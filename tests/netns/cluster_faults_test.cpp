// berth-ipam's cluster store under faults, against a real etcd in this test's throwaway
// host namespace: etcd stopped in the middle of a storm of ADDs and restarted, one member
// of three killed while nodes claim blocks, rounds of parallel ADD/DEL on three nodes, and
// bad configs. Each ends with nothing lost and nothing duplicated, checked as a user
// would: the results, the lease files of every node, and the claims in etcd.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <future>
#include <set>
#include <thread>

#include "tests/netns/cluster_faults_helpers.h"

using berth::test::EtcdCluster;
using berth::test::PluginRun;
using namespace berth::test::faults;
using nlohmann::json;

namespace {

// Runs ADD for every id at once and, when `after` of them have finished, calls `fault`
// while the rest are still running. Results in the order of `ids`.
template <class Fault>
std::vector<PluginRun> adds_with_fault(const std::vector<std::string>& ids, const std::string& cfg,
                                       int after, Fault fault) {
  std::atomic<int> done{0};
  std::vector<std::future<PluginRun>> runs;
  for (const auto& id : ids)
    runs.push_back(std::async(std::launch::async, [&, id] {
      auto r = ipam("ADD", id, cfg);
      ++done;
      return r;
    }));
  while (done < after) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  fault();
  std::vector<PluginRun> out;
  for (auto& f : runs) out.push_back(f.get());
  return out;
}

// Every run succeeded with an address; returns id -> address.
std::map<std::string, std::string> require_all_ok(const std::vector<std::string>& ids,
                                                  const std::vector<PluginRun>& rs) {
  std::map<std::string, std::string> out;
  for (size_t i = 0; i < rs.size(); ++i) {
    INFO(ids[i] << ": " << rs[i].out << rs[i].err);
    REQUIRE(rs[i].exit_code == 0);
    REQUIRE_FALSE(addr(rs[i]).empty());
    out[ids[i]] = addr(rs[i]);
  }
  return out;
}

// The lease files of `nodes` hold exactly `expected` (address -> container ID).
void check_leases(const std::vector<Node>& nodes,
                  const std::map<std::string, std::string>& expected) {
  std::map<std::string, std::string> on_disk;
  for (const auto& n : nodes)
    for (const auto& [ip, id] : leases(n)) on_disk[ip] = id;
  CHECK(on_disk == expected);
}

}  // namespace

TEST_CASE("cluster faults / etcd stopped during a storm of ADDs, then restarted on its data") {
  EtcdCluster etcd;
  Node n = make_node("node1");
  // 32 blocks of 5 addresses; a short etcd timeout, so that ADDs queued behind a claim
  // that cannot reach etcd give up well within the lease store's 10 s lock wait.
  const std::string cfg =
      conf(ipam_conf(n, etcd.endpoints(), "10.244.0.0/24", 29, {{"timeoutMs", 200}}));
  std::map<std::string, std::string> expected;  // address -> container ID
  for (const auto& id : ids("pre", 8)) {
    auto r = ipam("ADD", id, cfg);
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    expected[addr(r)] = id;
  }
  REQUIRE(claims(etcd).size() == 2);  // 2 addresses left in the node's second block

  // A first wave of 16 ADDs needs about 3 new blocks; etcd is stopped (SIGTERM) once 2
  // have finished, with claims in flight. A second wave of 8 runs with etcd down: a block
  // is claimed only when the node's others are full, so at most 5 addresses are free
  // then, and some must fail.
  auto wave1 = ids("s", 16), wave2 = ids("t", 8);
  auto r1 = adds_with_fault(wave1, cfg, 2, [&] { etcd.stop(); });
  const auto owned_when_down = recorded_blocks(n);
  auto r2 = ipam_parallel("ADD", wave2, cfg);
  CHECK(recorded_blocks(n) == owned_when_down);  // nothing claimed while etcd was down
  std::vector<std::string> all_ids = wave1, failed;
  all_ids.insert(all_ids.end(), wave2.begin(), wave2.end());
  r1.insert(r1.end(), r2.begin(), r2.end());
  for (size_t i = 0; i < r1.size(); ++i) {
    const auto& r = r1[i];
    INFO(all_ids[i] << ": exit " << r.exit_code << " " << r.out << r.err);
    if (r.exit_code == 0) {
      REQUIRE_FALSE(addr(r).empty());
      CHECK(expected.emplace(addr(r), all_ids[i]).second);  // never an address twice
      auto ip = berth::IpAddr::parse(addr(r));
      CHECK(std::any_of(owned_when_down.begin(), owned_when_down.end(),
                        [&](auto& b) { return b.contains(*ip); }));
      continue;
    }
    // A clean failure: the CNI error JSON, "try again" with why, and no lease.
    CHECK(is_cni_error(r));
    CHECK(code(r) == 11);
    CHECK_THAT(msg(r),
               Catch::Contains("etcd is unreachable") || Catch::Contains("lease store is busy"));
    failed.push_back(all_ids[i]);
  }
  INFO(failed.size() << " of 24 ADDs failed with etcd down");
  CHECK(failed.size() >= 3);
  check_leases({n}, expected);
  const auto index = index_entries(n);
  for (const auto& id : failed) {
    INFO(id);
    CHECK(std::find(index.begin(), index.end(), id + "@eth0") == index.end());
    CHECK(ipam("CHECK", id, cfg).exit_code != 0);
  }
  const auto recorded = recorded_blocks(n);

  // etcd back on the same data: the claims are still there, and the ADDs that failed
  // succeed now, from new blocks (a runtime retries with the same config; a longer
  // timeout here only keeps a loaded machine from failing them again).
  etcd.start();
  check_consistent(etcd, {n});
  const std::string retry_cfg =
      conf(ipam_conf(n, etcd.endpoints(), "10.244.0.0/24", 29, {{"timeoutMs", 3000}}));
  auto retried = require_all_ok(failed, ipam_parallel("ADD", failed, retry_cfg));
  for (const auto& [id, ip] : retried) CHECK(expected.emplace(ip, id).second);
  check_leases({n}, expected);
  CHECK(recorded_blocks(n).size() > recorded.size());
  check_consistent(etcd, {n});
  for (const auto& c : claims(etcd)) CHECK(c.node == "node1");

  // DEL needs no etcd; every lease goes.
  etcd.stop();
  std::vector<std::string> everyone;
  for (const auto& [ip, id] : expected) everyone.push_back(id);
  for (const auto& r : ipam_parallel("DEL", everyone, cfg)) CHECK(r.exit_code == 0);
  CHECK(leases(n).empty());
  CHECK(index_entries(n).empty());
}

TEST_CASE("cluster faults / one etcd member of three killed while three nodes claim blocks") {
  EtcdCluster etcd(3);
  std::vector<Node> nodes = {make_node("node1"), make_node("node2"), make_node("node3")};
  // /30 blocks: one address each, so every ADD claims a block. The timeout covers an
  // election (election timeout 500 ms) when the killed member led.
  const int victim = etcd.leader();
  REQUIRE(victim >= 0);
  // A follower first: every ADD asks it first, and a follower holds the writes it
  // forwarded to a leader that died (for etcd's request timeout, longer than ours) while
  // the other two elect a new one; the client must move on to them in time.
  const std::vector<std::string> eps = {etcd.endpoint((victim + 1) % 3), etcd.endpoint(victim),
                                        etcd.endpoint((victim + 2) % 3)};
  std::vector<std::string> cfgs;
  for (const auto& n : nodes)
    cfgs.push_back(conf(ipam_conf(n, eps, "10.250.0.0/22", 30, {{"timeoutMs", 5000}})));

  // 3 nodes x 8 ADDs at once; the leader is SIGKILLed once 6 have finished. Then another
  // 8 per node with two members left.
  auto wave = [&](const std::string& prefix, bool kill) {
    std::vector<std::vector<std::string>> id_lists;
    std::vector<std::future<std::vector<PluginRun>>> per_node;
    for (size_t k = 0; k < nodes.size(); ++k)
      id_lists.push_back(ids(nodes[k].name + "-" + prefix, 8));
    for (size_t k = 0; k < nodes.size(); ++k)
      per_node.push_back(std::async(std::launch::async, [&, k] {
        if (k == 0 && kill)
          return adds_with_fault(id_lists[k], cfgs[k], 6, [&] { etcd.kill(victim); });
        return ipam_parallel("ADD", id_lists[k], cfgs[k]);
      }));
    std::vector<std::vector<PluginRun>> results;
    bool all_ok = true;
    for (auto& f : per_node) {
      results.push_back(f.get());
      for (const auto& r : results.back()) all_ok &= r.exit_code == 0;
    }
    if (!all_ok) UNSCOPED_INFO("the etcd members' logs:\n" << etcd.log_tails());
    std::map<std::string, std::string> by_addr;
    for (size_t k = 0; k < nodes.size(); ++k)
      for (const auto& [id, ip] : require_all_ok(id_lists[k], results[k]))
        CHECK(by_addr.emplace(ip, id).second);
    return by_addr;
  };
  auto expected = wave("a", true);
  CHECK_FALSE(etcd.running(victim));
  for (const auto& [ip, id] : wave("b", false)) CHECK(expected.emplace(ip, id).second);
  REQUIRE(expected.size() == 48);
  check_leases(nodes, expected);
  check_consistent(etcd, nodes);
  // One claim per address, owned by the node that leased it.
  auto all = claims(etcd);
  CHECK(all.size() == 48);
  for (const auto& n : nodes) CHECK(recorded_blocks(n).size() == 16);

  // The killed member comes back and catches up: its own copy has every claim.
  etcd.start(victim);
  std::string local;
  for (int i = 0; i < 100; ++i) {
    local = etcd.ctl_at(victim, "get --consistency=s --prefix --keys-only '" + kBlocks + "'");
    size_t n = 0;
    for (size_t at = 0; (at = local.find(kBlocks, at)) != std::string::npos; at += kBlocks.size())
      ++n;
    if (n >= all.size()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  INFO("m" << victim << " after its restart:\n" << etcd.log_tails());
  for (const auto& c : all) CHECK_THAT(local, Catch::Contains(c.key));
}

TEST_CASE(
    "cluster faults / a hung etcd member first in the list: ADDs move on to the others in time") {
  EtcdCluster etcd(3);
  std::vector<Node> nodes = {make_node("node1"), make_node("node2"), make_node("node3")};
  const int leader = etcd.leader();
  REQUIRE(leader >= 0);
  const int hung = (leader + 1) % 3;
  const std::vector<std::string> eps = {etcd.endpoint(hung), etcd.endpoint(leader),
                                        etcd.endpoint((leader + 2) % 3)};
  etcd.freeze(hung);  // SIGSTOP: connections are accepted and never answered
  // /30 blocks (every ADD claims one), 3 nodes x 4 ADDs at once. Each ADD gives the hung
  // member its share of the 1500 ms (500 ms), then the others answer.
  std::vector<std::string> cfgs;
  for (const auto& n : nodes)
    cfgs.push_back(conf(ipam_conf(n, eps, "10.251.0.0/24", 30, {{"timeoutMs", 1500}})));
  std::vector<std::future<std::vector<PluginRun>>> runs;
  for (size_t k = 0; k < nodes.size(); ++k)
    runs.push_back(std::async(std::launch::async, [&, k] {
      return ipam_parallel("ADD", ids(nodes[k].name + "-", 4), cfgs[k]);
    }));
  std::map<std::string, std::string> expected;
  for (size_t k = 0; k < nodes.size(); ++k)
    for (const auto& [id, ip] : require_all_ok(ids(nodes[k].name + "-", 4), runs[k].get()))
      CHECK(expected.emplace(ip, id).second);
  etcd.thaw(hung);
  check_leases(nodes, expected);
  check_consistent(etcd, nodes);
  CHECK(claims(etcd).size() == 12);
}

TEST_CASE(
    "cluster faults / rounds of 3 nodes x 32 parallel ADDs then DELs: no duplicate, none left") {
  EtcdCluster etcd;
  std::vector<Node> nodes = {make_node("node1"), make_node("node2"), make_node("node3")};
  std::vector<std::string> cfgs;
  for (const auto& n : nodes)
    cfgs.push_back(conf(ipam_conf(n, etcd.endpoints(), "10.244.0.0/16", 28)));
  size_t blocks_after_first = 0;
  for (int round = 0; round < 3; ++round) {
    INFO("round " << round);
    std::vector<std::future<std::vector<PluginRun>>> adds;
    for (size_t k = 0; k < nodes.size(); ++k)
      adds.push_back(std::async(std::launch::async, [&, k] {
        return ipam_parallel("ADD", ids(nodes[k].name + "-", 32), cfgs[k]);
      }));
    std::map<std::string, std::string> expected;
    for (size_t k = 0; k < nodes.size(); ++k)
      for (const auto& [id, ip] : require_all_ok(ids(nodes[k].name + "-", 32), adds[k].get()))
        CHECK(expected.emplace(ip, id).second);
    CHECK(expected.size() == 96);
    check_leases(nodes, expected);
    check_consistent(etcd, nodes);
    // Blocks are kept and reused: after the first round no ADD needs a new one.
    if (round == 0) blocks_after_first = claims(etcd).size();
    CHECK(claims(etcd).size() == blocks_after_first);

    std::vector<std::future<std::vector<PluginRun>>> dels;
    for (size_t k = 0; k < nodes.size(); ++k)
      dels.push_back(std::async(std::launch::async, [&, k] {
        return ipam_parallel("DEL", ids(nodes[k].name + "-", 32), cfgs[k]);
      }));
    for (auto& f : dels)
      for (const auto& r : f.get()) {
        INFO(r.out << r.err);
        CHECK(r.exit_code == 0);
      }
    for (const auto& n : nodes) {
      CHECK(leases(n).empty());
      CHECK(index_entries(n).empty());
    }
  }
  CHECK(blocks_after_first == 9);  // 32 addresses need 3 blocks of 13 on each node
}

// Nothing written anywhere: no key in etcd, no file or directory in the dataDir.
TEST_CASE("cluster faults / bad configs: code 7 naming the field, nothing written") {
  EtcdCluster etcd;
  Node n = make_node("node1");
  const auto eps = etcd.endpoints();
  const std::string pems = berth::test::temp_dir(), missing = pems + "/no-such.pem",
                    readable = pems + "/ca.pem";
  berth::test::sh("echo not-a-pem > " + readable);
  struct Case {
    const char* what;
    json ipam;
    const char* field;  // what msg must name
  };
  auto with = [&](json base, const json& patch) {
    base.merge_patch(patch);
    return base;
  };
  const json good = ipam_conf(n, eps, "10.244.0.0/16", 26);
  const std::vector<Case> cases = {
      {"cluster CIDR smaller than a block", ipam_conf(n, eps, "10.244.0.0/28", 26),
       "ipam.blockSize"},
      {"blockSize 0", ipam_conf(n, eps, "10.244.0.0/16", 0), "ipam.blockSize"},
      {"blockSize -1", ipam_conf(n, eps, "10.244.0.0/16", -1), "ipam.blockSize"},
      {"blockSize 31: no room for a pod", ipam_conf(n, eps, "10.244.0.0/16", 31), "ipam.blockSize"},
      {"blockSize 33", ipam_conf(n, eps, "10.244.0.0/16", 33), "ipam.blockSize"},
      {"blockSize 2^32+26", with(good, {{"blockSize", 4294967322ll}}), "ipam.blockSize"},
      {"blockSize a string", with(good, {{"blockSize", "26"}}), "ipam.blockSize"},
      {"clusterCIDR with host bits", ipam_conf(n, eps, "10.244.1.0/16", 26), "ipam.clusterCIDR"},
      {"clusterCIDR not a CIDR", ipam_conf(n, eps, "10.244.0.0", 26), "ipam.clusterCIDR"},
      {"no clusterCIDR", with(good, {{"clusterCIDR", nullptr}}), "ipam.clusterCIDR"},
      {"TLS cert file missing",
       ipam_conf(n, {"https://127.0.0.1:23790"}, "10.244.0.0/16", 26,
                 {{"tls", {{"cert", missing}, {"key", missing}}}}),
       "ipam.store.tls.cert"},
      {"TLS CA file missing",
       ipam_conf(n, {"https://127.0.0.1:23790"}, "10.244.0.0/16", 26, {{"tls", {{"ca", missing}}}}),
       "ipam.store.tls.ca"},
      {"TLS files with an http endpoint",
       ipam_conf(n, eps, "10.244.0.0/16", 26, {{"tls", {{"ca", readable}}}}), "ipam.store.tls"},
      {"endpoint without a port", ipam_conf(n, {"http://127.0.0.1"}, "10.244.0.0/16", 26),
       "ipam.store.endpoints[0]"},
      {"unknown store type", with(good, {{"store", {{"type", "consul"}}}}), "ipam.store.type"},
      {"timeoutMs 0", ipam_conf(n, eps, "10.244.0.0/16", 26, {{"timeoutMs", 0}}),
       "ipam.store.timeoutMs"},
      {"prefix not a key path", ipam_conf(n, eps, "10.244.0.0/16", 26, {{"prefix", "berth"}}),
       "ipam.store.prefix"},
      {"ranges beside the cluster store",
       with(good, {{"ranges", json::array({json::array({json{{"subnet", "10.1.0.0/24"}}})})}}),
       "ipam.ranges"},
      {"nodeName with a slash", with(good, {{"nodeName", "node/1"}}), "ipam.nodeName"},
  };
  for (const auto& c : cases) {
    INFO(c.what << ": " << c.ipam.dump());
    for (const char* cmd : {"ADD", "STATUS"}) {
      auto r = ipam(cmd, "c0", conf(c.ipam));
      INFO(cmd << ": " << r.out << r.err);
      CHECK(is_cni_error(r));
      CHECK(code(r) == 7);
      CHECK_THAT(msg(r), Catch::Contains(c.field));
    }
  }
  CHECK(berth::test::sh("find " + n.data_dir + " -mindepth 1").empty());
  CHECK(etcd.keys("/").empty());
  // The good config next to them works, so the cases failed for what they name.
  REQUIRE(ipam("ADD", "c0", conf(good)).exit_code == 0);
  CHECK(claims(etcd).size() == 1);
}
