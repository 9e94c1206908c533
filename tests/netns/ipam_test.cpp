// berth-ipam, run as a runtime runs it: the built binary, CNI_* env and JSON on stdin,
// with leases in this test process's private tmpfs /var/lib/cni.
#include <dirent.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "core/ip.h"
#include "tests/netns/fixture.h"

using berth::test::PluginRun;
using berth::test::run_plugin;
using nlohmann::json;

namespace {

const std::string kNet = "ipamnet";
const std::string kStoreDir = "/var/lib/cni/networks/" + kNet;

std::map<std::string, std::string> env(const std::string& cmd, const std::string& id = "c1",
                                       const std::string& ifname = "eth0",
                                       const std::string& args = "") {
  std::map<std::string, std::string> e = {{"CNI_COMMAND", cmd}};
  if (cmd == "ADD" || cmd == "DEL" || cmd == "CHECK") {
    e["CNI_CONTAINERID"] = id;
    e["CNI_IFNAME"] = ifname;
    // IPAM never enters the netns; skel only needs the variable set.
    if (cmd != "DEL") e["CNI_NETNS"] = "/var/run/netns/berth-ipam-test";
  }
  if (!args.empty()) e["CNI_ARGS"] = args;
  return e;
}

json v4_ipam() {
  return {{"type", "berth-ipam"}, {"subnet", "10.88.0.0/16"}, {"routes", {{{"dst", "0.0.0.0/0"}}}}};
}

std::string conf(const json& ipam, const std::string& version = "1.1.0", json extra = json::object()) {
  json c = {{"cniVersion", version}, {"name", kNet}, {"type", "berth-bridge"}, {"ipam", ipam}};
  c.update(extra);
  return c.dump();
}

PluginRun ipam(const std::map<std::string, std::string>& e, const std::string& stdin_data) {
  return run_plugin("berth-ipam", e, stdin_data);
}

// The address of ips[i] in an ADD result ("" when absent).
std::string addr(const PluginRun& r, size_t i = 0) {
  if (!r.json.is_object() || !r.json.contains("ips") || r.json["ips"].size() <= i) return "";
  return r.json["ips"][i].value("address", "");
}

// Lease files in the store: entries named like an IP address.
std::vector<std::string> leases(const std::string& dir = kStoreDir) {
  std::vector<std::string> out;
  DIR* d = opendir(dir.c_str());
  if (!d) return out;
  while (const dirent* e = readdir(d))
    if (berth::IpAddr::parse(e->d_name)) out.push_back(e->d_name);
  closedir(d);
  return out;
}

std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

int code_of(const PluginRun& r) { return r.json.is_object() ? r.json.value("code", 0) : 0; }

// Runs `expr` once; on failure shows the plugin's output.
#define REQUIRE_OK(expr)                                                        \
  do {                                                                          \
    const PluginRun& ok_run_ = (expr);                                          \
    INFO("stdout: " << ok_run_.out << "\nstderr: " << ok_run_.err);            \
    REQUIRE(ok_run_.exit_code == 0);                                            \
  } while (0)

}  // namespace

TEST_CASE("berth-ipam: ADD returns the first free address and records its lease") {
  auto r = ipam(env("ADD"), conf(v4_ipam()));
  REQUIRE_OK(r);
  CHECK(r.json["cniVersion"] == "1.1.0");
  CHECK(addr(r) == "10.88.0.2/16");
  CHECK(r.json["ips"][0]["gateway"] == "10.88.0.1");
  CHECK_FALSE(r.json["ips"][0].contains("interface"));
  CHECK_FALSE(r.json.contains("interfaces"));
  CHECK(r.json["routes"] == json::array({{{"dst", "0.0.0.0/0"}}}));
  CHECK(slurp(kStoreDir + "/10.88.0.2") == "c1\r\neth0");
  CHECK(slurp(kStoreDir + "/last_reserved_ip.0") == "10.88.0.2");
}

TEST_CASE("berth-ipam: two ADDs get different addresses, 0.4.0 results carry ips[].version") {
  auto a = ipam(env("ADD", "c1"), conf(v4_ipam(), "0.4.0"));
  auto b = ipam(env("ADD", "c2"), conf(v4_ipam(), "0.4.0"));
  REQUIRE_OK(a);
  REQUIRE_OK(b);
  CHECK(addr(a) == "10.88.0.2/16");
  CHECK(addr(b) == "10.88.0.3/16");
  CHECK(b.json["cniVersion"] == "0.4.0");
  CHECK(b.json["ips"][0]["version"] == "4");
  CHECK(leases().size() == 2);
}

TEST_CASE("berth-ipam: dual stack gives one address per range set") {
  json i = {{"type", "berth-ipam"},
            {"ranges", {{{{"subnet", "10.88.0.0/16"}}}, {{{"subnet", "fd00:88::/64"}}}}}};
  auto r = ipam(env("ADD"), conf(i));
  REQUIRE_OK(r);
  CHECK(addr(r, 0) == "10.88.0.2/16");
  CHECK(addr(r, 1) == "fd00:88::2/64");
  CHECK(slurp(kStoreDir + "/fd00:88::2") == "c1\r\neth0");
}

TEST_CASE("berth-ipam: DEL frees the lease, DEL again and DEL on an unused network succeed") {
  REQUIRE_OK(ipam(env("ADD", "c1"), conf(v4_ipam())));
  REQUIRE_OK(ipam(env("ADD", "c2"), conf(v4_ipam())));
  REQUIRE(leases().size() == 2);
  REQUIRE_OK(ipam(env("DEL", "c1"), conf(v4_ipam())));
  CHECK(leases() == std::vector<std::string>{"10.88.0.3"});
  REQUIRE_OK(ipam(env("DEL", "c1"), conf(v4_ipam())));
  REQUIRE_OK(ipam(env("DEL", "c2"), conf(v4_ipam())));
  CHECK(leases().empty());
  json other = {{"cniVersion", "1.1.0"}, {"name", "never-used"}, {"ipam", v4_ipam()}};
  REQUIRE_OK(ipam(env("DEL"), other.dump()));
  json elsewhere = v4_ipam();
  elsewhere["dataDir"] = "/var/lib/cni/does-not-exist";
  REQUIRE_OK(ipam(env("DEL"), conf(elsewhere)));
}

TEST_CASE("berth-ipam: DEL still releases after the ranges became invalid") {
  REQUIRE_OK(ipam(env("ADD"), conf(v4_ipam())));
  json broken = {{"type", "berth-ipam"}, {"subnet", "10.88.0.1/16"}};
  REQUIRE_OK(ipam(env("DEL"), conf(broken)));
  CHECK(leases().empty());
}

TEST_CASE("berth-ipam: CHECK succeeds while the lease exists, code 108 after DEL") {
  REQUIRE_OK(ipam(env("ADD"), conf(v4_ipam())));
  REQUIRE_OK(ipam(env("CHECK"), conf(v4_ipam())));
  REQUIRE_OK(ipam(env("DEL"), conf(v4_ipam())));
  auto r = ipam(env("CHECK"), conf(v4_ipam()));
  CHECK(r.exit_code != 0);
  CHECK(code_of(r) == 108);
}

TEST_CASE("berth-ipam: GC releases unlisted attachments and keeps listed ones") {
  for (auto id : {"c1", "c2", "c3"}) REQUIRE_OK(ipam(env("ADD", id), conf(v4_ipam())));
  json valid = {{"cni.dev/valid-attachments",
                 {{{"containerID", "c1"}, {"ifname", "eth0"}}, {{"containerID", "c3"}, {"ifname", "eth0"}}}}};
  REQUIRE_OK(ipam(env("GC"), conf(v4_ipam(), "1.1.0", valid)));
  auto left = leases();
  std::sort(left.begin(), left.end());
  CHECK(left == std::vector<std::string>{"10.88.0.2", "10.88.0.4"});
  REQUIRE_OK(ipam(env("CHECK", "c1"), conf(v4_ipam())));
  CHECK(ipam(env("CHECK", "c2"), conf(v4_ipam())).exit_code != 0);
  // No list at all (cnitool gc) means nothing is valid.
  REQUIRE_OK(ipam(env("GC"), conf(v4_ipam())));
  CHECK(leases().empty());
}

TEST_CASE("berth-ipam: 16 parallel ADDs get 16 distinct addresses") {
  constexpr int kN = 16;
  std::vector<PluginRun> runs(kN);
  std::vector<std::thread> threads;
  for (int i = 0; i < kN; ++i)
    threads.emplace_back([&, i] { runs[i] = ipam(env("ADD", "par" + std::to_string(i)), conf(v4_ipam())); });
  for (auto& t : threads) t.join();
  std::set<std::string> got;
  for (const auto& r : runs) {
    REQUIRE_OK(r);
    got.insert(addr(r));
  }
  CHECK(got.size() == kN);
  CHECK(leases().size() == kN);
  threads.clear();
  for (int i = 0; i < kN; ++i)
    threads.emplace_back([&, i] { runs[i] = ipam(env("DEL", "par" + std::to_string(i)), conf(v4_ipam())); });
  for (auto& t : threads) t.join();
  for (const auto& r : runs) REQUIRE_OK(r);
  CHECK(leases().empty());
}

TEST_CASE("berth-ipam: requested addresses via CNI_ARGS IP= and runtimeConfig.ips") {
  auto a = ipam(env("ADD", "c1", "eth0", "IgnoreUnknown=1;K8S_POD_NAME=web;IP=10.88.5.5"), conf(v4_ipam()));
  REQUIRE_OK(a);
  CHECK(addr(a) == "10.88.5.5/16");
  auto b = ipam(env("ADD", "c2"), conf(v4_ipam(), "1.1.0", {{"runtimeConfig", {{"ips", {"10.88.6.6/16"}}}}}));
  REQUIRE_OK(b);
  CHECK(addr(b) == "10.88.6.6/16");
  auto taken = ipam(env("ADD", "c3", "eth0", "IP=10.88.5.5"), conf(v4_ipam()));
  CHECK(taken.exit_code != 0);
  CHECK(code_of(taken) == 102);
  CHECK_THAT(taken.out, Catch::Contains("10.88.5.5") && Catch::Contains("c1"));
  auto outside = ipam(env("ADD", "c4", "eth0", "IP=192.168.1.1"), conf(v4_ipam()));
  CHECK(code_of(outside) == 7);
  CHECK(leases().size() == 2);
}

TEST_CASE("berth-ipam: a second ADD for the same attachment fails and changes nothing") {
  REQUIRE_OK(ipam(env("ADD"), conf(v4_ipam())));
  auto again = ipam(env("ADD"), conf(v4_ipam()));
  CHECK(code_of(again) == 102);
  CHECK(leases() == std::vector<std::string>{"10.88.0.2"});
}

TEST_CASE("berth-ipam: a full range set is code 103 and leaves nothing behind") {
  // Set 1 is a /30: only 10.99.0.2 is allocatable (.1 gateway, .3 broadcast).
  json i = {{"type", "berth-ipam"},
            {"ranges", {{{{"subnet", "10.88.0.0/16"}}}, {{{"subnet", "10.99.0.0/30"}}}}}};
  REQUIRE_OK(ipam(env("ADD", "c1"), conf(i)));
  auto before = leases();
  REQUIRE(before.size() == 2);
  auto full = ipam(env("ADD", "c2"), conf(i));
  CHECK(full.exit_code != 0);
  CHECK(code_of(full) == 103);
  CHECK_THAT(full.json.value("msg", ""), Catch::Contains("10.99.0.0/30"));
  CHECK(leases().size() == 2);  // c2's address from set 0 was rolled back
  auto status = ipam(env("STATUS"), conf(i));
  CHECK(code_of(status) == 50);
  REQUIRE_OK(ipam(env("DEL", "c1"), conf(i)));
  REQUIRE_OK(ipam(env("STATUS"), conf(i)));
}

TEST_CASE("berth-ipam: bad config is code 7, malformed JSON code 6") {
  auto bad = ipam(env("ADD"), conf({{"type", "berth-ipam"}, {"subnet", "10.88.0.1/16"}}));
  CHECK(bad.exit_code != 0);
  CHECK(code_of(bad) == 7);
  CHECK_THAT(bad.json.value("msg", ""), Catch::Contains("ipam.subnet") && Catch::Contains("10.88.0.1/16"));
  auto none = ipam(env("ADD"), conf({{"type", "berth-ipam"}}));
  CHECK(code_of(none) == 7);
  auto garbage = ipam(env("ADD"), "{\"cniVersion\": \"1.1.0\", \"name\":");
  CHECK(garbage.exit_code != 0);
  CHECK(code_of(garbage) == 6);
  CHECK(leases().empty());
}
