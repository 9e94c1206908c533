// berth-ipam with the etcd store, run as a runtime runs it, against a real etcd inside
// this test's throwaway host namespace. Each simulated node is its own nodeName and lease
// directory (its local state); etcd is the only thing they share.
#include <dirent.h>

#include <algorithm>
#include <cctype>
#include <future>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "tests/netns/etcd_server.h"
#include "tests/netns/fixture.h"

using berth::test::EtcdCluster;
using berth::test::PluginRun;
using berth::test::run_plugin;
using nlohmann::json;

namespace {

const std::string kNet = "podnet";
const std::string kBlocks = "/berth/ipam/" + kNet + "/blocks/";

struct Node {
  std::string name;
  std::string data_dir;
};

Node node(const std::string& name) { return {name, berth::test::temp_dir()}; }

json ipam_of(const Node& n, const std::vector<std::string>& endpoints, const std::string& cidr,
             int block, json store_extra = json::object()) {
  json store{{"type", "etcd"}, {"endpoints", endpoints}, {"timeoutMs", 1500}};
  store.update(store_extra);
  return {{"type", "berth-ipam"}, {"store", store},      {"clusterCIDR", cidr},
          {"blockSize", block},   {"nodeName", n.name}, {"dataDir", n.data_dir}};
}

std::string conf(const json& ipam) {
  return json{{"cniVersion", "1.1.0"}, {"name", kNet}, {"type", "berth-bridge"}, {"ipam", ipam}}.dump();
}

PluginRun ipam(const std::string& cmd, const std::string& id, const std::string& config,
               std::map<std::string, std::string> extra = {}) {
  std::map<std::string, std::string> e = {{"CNI_COMMAND", cmd}};
  if (cmd == "ADD" || cmd == "DEL" || cmd == "CHECK") {
    e["CNI_CONTAINERID"] = id;
    e["CNI_IFNAME"] = "eth0";
    if (cmd != "DEL") e["CNI_NETNS"] = "/var/run/netns/berth-cluster-test";
  }
  e.merge(extra);
  return run_plugin("berth-ipam", e, config);
}

std::string addr(const PluginRun& r) {
  if (!r.json.is_object() || !r.json.contains("ips") || r.json["ips"].empty()) return "";
  return r.json["ips"][0].value("address", "");
}

std::string gateway(const PluginRun& r) {
  if (!r.json.is_object() || !r.json.contains("ips") || r.json["ips"].empty()) return "";
  return r.json["ips"][0].value("gateway", "");
}

int code(const PluginRun& r) { return r.json.is_object() ? r.json.value("code", 0) : 0; }
std::string msg(const PluginRun& r) { return r.json.is_object() ? r.json.value("msg", "") : ""; }

// Lease files of a node (entries named like an address).
std::vector<std::string> leases(const Node& n) {
  std::vector<std::string> out;
  DIR* d = opendir((n.data_dir + "/" + kNet).c_str());
  if (!d) return out;
  while (dirent* e = readdir(d)) {
    std::string name = e->d_name;
    if (name.find_first_not_of("0123456789.") == std::string::npos && std::isdigit(static_cast<unsigned char>(name[0])))
      out.push_back(name);
  }
  closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> block_keys(const EtcdCluster& etcd) { return etcd.keys(kBlocks); }

}  // namespace

TEST_CASE("cluster ipam / the first ADD claims a block, later ADDs need no etcd until it is full") {
  EtcdCluster etcd;
  Node n1 = node("node1");
  const std::string cfg = conf(ipam_of(n1, etcd.endpoints(), "10.244.0.0/24", 28));

  auto first = ipam("ADD", "c0", cfg);
  INFO(first.out << first.err);
  REQUIRE(first.exit_code == 0);
  CHECK(addr(first) == "10.244.0.2/28");
  CHECK(gateway(first) == "10.244.0.1");
  REQUIRE(block_keys(etcd) == std::vector<std::string>{kBlocks + "10.244.0.0-28"});
  auto claim = json::parse(etcd.value(kBlocks + "10.244.0.0-28"));
  CHECK(claim["node"] == "node1");
  CHECK(claim["cidr"] == "10.244.0.0/28");

  // etcd down: the block's 12 other addresses (.3-.14) still come, from the node alone.
  etcd.stop();
  std::set<std::string> got{addr(first)};
  for (int i = 1; i <= 12; ++i) {
    auto r = ipam("ADD", "c" + std::to_string(i), cfg);
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(got.insert(addr(r)).second);
  }
  CHECK(got.count("10.244.0.14/28"));
  // Full, and a new block needs etcd: try again later (11), nothing leased.
  auto full = ipam("ADD", "c13", cfg);
  CHECK(full.exit_code != 0);
  CHECK(code(full) == 11);
  CHECK_THAT(msg(full), Catch::Contains("etcd is unreachable"));
  CHECK(leases(n1).size() == 13);

  // etcd back: the next block is claimed and used.
  etcd.start();
  auto next = ipam("ADD", "c13", cfg);
  INFO(next.out << next.err);
  REQUIRE(next.exit_code == 0);
  CHECK(addr(next) == "10.244.0.18/28");
  CHECK(gateway(next) == "10.244.0.17");
  CHECK(block_keys(etcd).size() == 2);

  // DEL needs no etcd either; CHECK finds the lease.
  etcd.stop();
  CHECK(ipam("CHECK", "c13", cfg).exit_code == 0);
  CHECK(ipam("DEL", "c13", cfg).exit_code == 0);
  CHECK(ipam("DEL", "c0", cfg).exit_code == 0);
  CHECK(leases(n1).size() == 12);
  CHECK(ipam("CHECK", "c0", cfg).exit_code != 0);
}

TEST_CASE("cluster ipam / nodes get disjoint blocks and parallel ADDs on three nodes never collide") {
  EtcdCluster etcd;
  std::vector<Node> nodes = {node("node1"), node("node2"), node("node3")};
  std::vector<std::future<PluginRun>> runs;
  const int per_node = 32;
  for (const auto& n : nodes) {
    const std::string cfg = conf(ipam_of(n, etcd.endpoints(), "10.244.0.0/16", 28));
    for (int i = 0; i < per_node; ++i)
      runs.push_back(std::async(std::launch::async, [cfg, n, i] { return ipam("ADD", n.name + "-" + std::to_string(i), cfg); }));
  }
  std::set<std::string> addrs;
  for (auto& f : runs) {
    auto r = f.get();
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(addrs.insert(addr(r)).second);
  }
  CHECK(addrs.size() == 3 * per_node);
  // Each node owns whole blocks: 32 addresses need 3 blocks of 13.
  std::map<std::string, int> blocks_of;
  for (const auto& k : block_keys(etcd)) blocks_of[json::parse(etcd.value(k))["node"]]++;
  for (const auto& n : nodes) CHECK(blocks_of[n.name] == 3);
  // Every lease on disk is accounted for by a result, and DEL frees them all.
  size_t on_disk = 0;
  for (const auto& n : nodes) on_disk += leases(n).size();
  CHECK(on_disk == addrs.size());
  for (const auto& n : nodes) {
    const std::string cfg = conf(ipam_of(n, etcd.endpoints(), "10.244.0.0/16", 28));
    for (int i = 0; i < per_node; ++i) REQUIRE(ipam("DEL", n.name + "-" + std::to_string(i), cfg).exit_code == 0);
    CHECK(leases(n).empty());
  }
}

TEST_CASE("cluster ipam / two nodes racing for the last free block: exactly one wins") {
  EtcdCluster etcd;
  for (int round = 0; round < 5; ++round) {
    etcd.ctl("del --prefix /berth/");
    Node a = node("racer-a"), b = node("racer-b"), c = node("holder");
    // Two blocks of a /27; the holder takes the first.
    const std::string cidr = "10.245.0.0/27";
    REQUIRE(ipam("ADD", "h", conf(ipam_of(c, etcd.endpoints(), cidr, 28))).exit_code == 0);
    auto fa = std::async(std::launch::async, [&] { return ipam("ADD", "a", conf(ipam_of(a, etcd.endpoints(), cidr, 28))); });
    auto fb = std::async(std::launch::async, [&] { return ipam("ADD", "b", conf(ipam_of(b, etcd.endpoints(), cidr, 28))); });
    auto ra = fa.get(), rb = fb.get();
    INFO(ra.out << ra.err << rb.out << rb.err);
    CHECK((ra.exit_code == 0) != (rb.exit_code == 0));
    const PluginRun& loser = ra.exit_code == 0 ? rb : ra;
    const Node& lost = ra.exit_code == 0 ? b : a;
    CHECK(code(loser) == 103);
    CHECK_THAT(msg(loser), Catch::Contains("10.245.0.0/27 has no free block"));
    CHECK(leases(lost).empty());
    auto winner = json::parse(etcd.value(kBlocks + "10.245.0.16-28"));
    CHECK(winner["node"] == (ra.exit_code == 0 ? "racer-a" : "racer-b"));
    CHECK(block_keys(etcd).size() == 2);
  }
}

TEST_CASE("cluster ipam / STATUS: ready while a block has room or etcd can give one") {
  EtcdCluster etcd;
  Node n1 = node("node1");
  const std::string cfg = conf(ipam_of(n1, etcd.endpoints(), "10.246.0.0/28", 28));  // one block
  CHECK(ipam("STATUS", "", cfg).exit_code == 0);  // nothing owned, etcd has a free block
  for (int i = 0; i < 13; ++i) REQUIRE(ipam("ADD", "c" + std::to_string(i), cfg).exit_code == 0);
  auto none_free = ipam("STATUS", "", cfg);
  CHECK(none_free.exit_code != 0);
  CHECK(code(none_free) == 50);
  CHECK_THAT(msg(none_free), Catch::Contains("has no free block"));
  REQUIRE(ipam("DEL", "c3", cfg).exit_code == 0);
  etcd.stop();
  CHECK(ipam("STATUS", "", cfg).exit_code == 0);  // room in the owned block, etcd down
  REQUIRE(ipam("ADD", "c3", cfg).exit_code == 0);
  auto down = ipam("STATUS", "", cfg);
  CHECK(code(down) == 50);
  CHECK_THAT(msg(down), Catch::Contains("etcd is unreachable"));
}

TEST_CASE("cluster ipam / a claim whose record was lost (killed after the claim) is adopted") {
  EtcdCluster etcd;
  Node n1 = node("node1");
  const std::string cfg = conf(ipam_of(n1, etcd.endpoints(), "10.247.0.0/24", 28));
  auto killed = ipam("ADD", "c0", cfg, {{"BERTH_FAILPOINT", "ipam.block.claimed"}});
  CHECK(killed.exit_code != 0);
  REQUIRE(block_keys(etcd).size() == 1);
  CHECK(leases(n1).empty());
  auto again = ipam("ADD", "c0", cfg);
  INFO(again.out << again.err);
  REQUIRE(again.exit_code == 0);
  CHECK(addr(again) == "10.247.0.2/28");
  CHECK(block_keys(etcd).size() == 1);  // the same block, not a second one
}

TEST_CASE("cluster ipam / unreachable endpoints and bad configs fail clearly and change nothing") {
  Node n1 = node("node1");
  // Nothing listens on port 1 here: code 11 within the timeout, no lease, no block record.
  auto t0 = std::chrono::steady_clock::now();
  auto r = ipam("ADD", "c0", conf(ipam_of(n1, {"http://127.0.0.1:1", "http://127.0.0.2:1"}, "10.244.0.0/16", 26,
                                          {{"timeoutMs", 300}})));
  auto took = std::chrono::steady_clock::now() - t0;
  CHECK(r.exit_code != 0);
  CHECK(code(r) == 11);
  CHECK_THAT(msg(r), Catch::Contains("etcd is unreachable"));
  CHECK(took < std::chrono::seconds(3));
  CHECK(leases(n1).empty());
  CHECK(berth::test::sh("ls " + n1.data_dir + "/" + kNet + "/blocks 2>/dev/null").empty());

  auto smaller = ipam("ADD", "c0", conf(ipam_of(n1, {"http://127.0.0.1:1"}, "10.244.0.0/28", 26)));
  CHECK(code(smaller) == 7);
  CHECK_THAT(msg(smaller), Catch::Contains("ipam.blockSize"));
  auto no_ep = ipam("ADD", "c0", conf(ipam_of(n1, {}, "10.244.0.0/16", 26)));
  CHECK(code(no_ep) == 7);
  CHECK_THAT(msg(no_ep), Catch::Contains("ipam.store.endpoints"));
}

TEST_CASE("cluster ipam / TLS: client certificates work, a wrong CA or no certificate is refused") {
  const std::string dir = berth::test::temp_dir();
  auto certs = berth::test::make_etcd_certs(dir);
  EtcdCluster etcd(1, 23790, &certs);
  Node n1 = node("node1");
  json good_tls{{"ca", certs.ca}, {"cert", certs.client_cert}, {"key", certs.client_key}};
  auto ok = ipam("ADD", "c0", conf(ipam_of(n1, etcd.endpoints(), "10.248.0.0/24", 28, {{"tls", good_tls}})));
  INFO(ok.out << ok.err);
  REQUIRE(ok.exit_code == 0);
  CHECK(addr(ok) == "10.248.0.2/28");

  // A CA that did not sign the server's certificate: code 7, at once, nothing leased.
  auto other = berth::test::make_etcd_certs(berth::test::temp_dir());
  Node n2 = node("node2");
  json wrong_ca{{"ca", other.ca}, {"cert", certs.client_cert}, {"key", certs.client_key}};
  auto bad = ipam("ADD", "c0", conf(ipam_of(n2, etcd.endpoints(), "10.248.0.0/24", 28, {{"tls", wrong_ca}})));
  CHECK(bad.exit_code != 0);
  CHECK(code(bad) == 7);
  CHECK_THAT(msg(bad), Catch::Contains("etcd at " + etcd.endpoint()));
  CHECK(leases(n2).empty());
  // No client certificate where etcd asks for one: refused too.
  json no_cert{{"ca", certs.ca}};
  auto anon = ipam("ADD", "c0", conf(ipam_of(n2, etcd.endpoints(), "10.248.0.0/24", 28, {{"tls", no_cert}})));
  CHECK(anon.exit_code != 0);
  INFO(anon.out);
  CHECK(code(anon) == 7);
  CHECK(leases(n2).empty());
  CHECK(block_keys(etcd).size() == 1);
}
