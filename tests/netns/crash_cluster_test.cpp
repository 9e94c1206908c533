// The crash walk over the cluster path: berth-bridge with berth-ipam's etcd store (a real
// etcd in the test's host namespace) is SIGKILLed at every failpoint an ADD reaches, the
// block claim's two (claimed in etcd; recorded on disk) among them. Then the runtime's DEL,
// or GC once the container is gone, must leave zero residue on the node (links, lease
// files, nftables elements), and etcd must hold exactly one claim for the node: a claim
// whose record was lost is adopted by the next ADD, never doubled.
#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <vector>

#include "tests/netns/etcd_server.h"
#include "tests/netns/fixture.h"

using namespace berth::test;
using nlohmann::json;

namespace {

const std::string kNet = "crashc";
const std::string kBridge = "br-crashc";

json conf(const EtcdCluster& etcd, const std::string& data_dir) {
  return {{"cniVersion", "1.1.0"}, {"name", kNet}, {"type", "berth-bridge"}, {"bridge", kBridge},
          {"isGateway", true}, {"isDefaultGateway", true}, {"ipMasq", true},
          {"ipam", {{"type", "berth-ipam"}, {"store", {{"type", "etcd"}, {"endpoints", {etcd.endpoint()}}}},
                    {"clusterCIDR", "10.245.0.0/16"}, {"nodeName", "crash-node"}, {"dataDir", data_dir}}}};
}

PluginRun run(const std::string& cmd, const std::string& netns, const std::string& id, json c,
              std::map<std::string, std::string> extra = {}) {
  extra["CNI_COMMAND"] = cmd;
  if (cmd == "GC") {
    c["cni.dev/valid-attachments"] = json::array();
  } else {
    extra["CNI_CONTAINERID"] = id;
    extra["CNI_NETNS"] = netns;
    extra["CNI_IFNAME"] = "eth0";
  }
  return run_plugin("berth-bridge", extra, c.dump());
}

std::string residue_now(const std::string& data_dir) {
  std::string out;
  auto add = [&](const std::string& what, const std::string& found) {
    if (!found.empty()) out += what + ":\n" + found + "\n";
  };
  add("links", sh("ip -o link show | awk -F': ' '{print $2}' | grep -v -x -e lo -e " + kBridge + " || true"));
  add("lease files", sh("cd " + data_dir + "/" + kNet + " 2>/dev/null && find . -mindepth 1 | grep -v -x -e ./lock "
                        "-e './last_reserved_ip\\.[0-9]*' -e ./attachments -e ./blocks -e './blocks/.*' || true"));
  add("nftables elements", sh("nft list ruleset | grep -A3 'elements = ' || true"));
  return out;
}

// Asked again for up to 3 s: the kernel destroys a deleted namespace's veth asynchronously.
std::string residue(const std::string& data_dir) {
  std::string left = residue_now(data_dir);
  for (int i = 0; i < 60 && !left.empty(); ++i) {
    usleep(50'000);
    left = residue_now(data_dir);
  }
  return left;
}

void require_killed(const PluginRun& r, const std::string& point) {
  INFO("failpoint " << point << ": exit " << r.exit_code << "\n" << r.out << r.err);
  const bool delegate_killed = r.exit_code == 1 && r.out.find("killed by signal 9") != std::string::npos;
  REQUIRE((r.exit_code == 128 + 9 || delegate_killed));
}

// An ADD that must work after the crash: an address from the node's one block.
void add_works(const EtcdCluster& etcd, const std::string& data_dir, const std::string& id) {
  auto ns = make_netns(id + "-ok");
  auto r = run("ADD", ns, id, conf(etcd, data_dir));
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(sh_in(ns, "ip -o addr show eth0"), Catch::Contains("inet 10.245.0."));
  REQUIRE(run("DEL", ns, id, conf(etcd, data_dir)).exit_code == 0);
  delete_netns(ns);
}

}  // namespace

TEST_CASE("crash at every ADD step of the cluster path then DEL or GC leaves zero residue and one claim") {
  EtcdCluster etcd;
  const std::string claims = "/berth/ipam/" + kNet + "/blocks/";
  for (int fresh = 0; fresh < 2; ++fresh) {
    // First with a fresh node (the ADD claims its first block), then with a block owned.
    const std::string data_dir = temp_dir();
    etcd.ctl("del --prefix " + claims);
    if (fresh == 1) add_works(etcd, data_dir, "warm");  // the node owns its block
    std::vector<std::string> points;
    {
      const std::string trace = temp_dir() + "/trace";
      auto probe = make_netns("probe");
      auto r = run("ADD", probe, "probe", conf(etcd, data_dir), {{"BERTH_FAILPOINT_TRACE", trace}});
      INFO(r.out << r.err);
      REQUIRE(r.exit_code == 0);
      REQUIRE(run("DEL", probe, "probe", conf(etcd, data_dir)).exit_code == 0);
      delete_netns(probe);
      std::map<std::string, int> seen;
      std::ifstream in(trace);
      for (std::string name; std::getline(in, name);) points.push_back(name + ":" + std::to_string(++seen[name]));
    }
    std::string all;
    for (const auto& p : points) all += p + " ";
    INFO("ADD failpoints: " << all);
    if (fresh == 0) {
      CHECK_THAT(all, Catch::Contains("ipam.block.claimed:1"));
      CHECK_THAT(all, Catch::Contains("ipam.block.recorded:1"));
    } else {
      CHECK_THAT(all, !Catch::Contains("ipam.block.claimed"));  // no etcd on this path
    }
    REQUIRE(points.size() >= 10);
    for (const auto& point : points) {
      INFO("failpoint " << point << (fresh == 0 ? " (claiming)" : ""));
      // Each crash of the claiming pass starts from a node without a block.
      auto start = [&] {
        if (fresh != 0) return;
        etcd.ctl("del --prefix " + claims);
        sh("rm -rf " + data_dir + "/" + kNet);
      };
      start();
      auto ns = make_netns("a");
      require_killed(run("ADD", ns, "a", conf(etcd, data_dir), {{"BERTH_FAILPOINT", point}}), point);
      auto del = run("DEL", ns, "a", conf(etcd, data_dir));
      INFO(del.out << del.err);
      REQUIRE(del.exit_code == 0);
      delete_netns(ns);
      REQUIRE(residue(data_dir) == "");
      add_works(etcd, data_dir, "a");

      start();
      auto ns2 = make_netns("b");
      require_killed(run("ADD", ns2, "b", conf(etcd, data_dir), {{"BERTH_FAILPOINT", point}}), point);
      delete_netns(ns2);
      auto gc = run("GC", "", "", conf(etcd, data_dir));
      INFO(gc.out << gc.err);
      REQUIRE(gc.exit_code == 0);
      REQUIRE(residue(data_dir) == "");
      add_works(etcd, data_dir, "b");
      // One block for the node, however many ADDs died while claiming it.
      CHECK(etcd.keys(claims).size() == 1);
    }
  }
}
