// berth-host: accepts only the host's namespace, reports it, never changes anything.
#include <catch2/catch.hpp>

#include "tests/netns/modes_helpers.h"

using namespace berth::test;

namespace {

// The test's private "host" stands in for the real one, named by `hostNetns`.
json host_conf(const std::string& version = "1.1.0") {
  return {{"cniVersion", version}, {"name", "hostnet"}, {"type", "berth-host"}, {"hostNetns", host_netns_path()}};
}

// A link with an address on the test host (veth: this kernel may lack the dummy driver).
void add_host_link() {
  sh("ip link add hv0 type veth peer name hv1 && ip addr add 192.0.2.10/24 dev hv0 && ip link set hv0 up");
}

std::string host_state() { return sh("ip -o link show; ip -o addr show; ip route show table all; nft list ruleset"); }

}  // namespace

TEST_CASE("host: ADD in the host namespace reports its links and addresses, no sandbox") {
  add_host_link();
  // Same namespace under another path: identity counts, not the path.
  auto r = call("berth-host", "ADD", "/proc/self/ns/net", "c1", host_conf());
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  const auto& ifs = r.json["interfaces"];
  REQUIRE(ifs.size() == 3);
  REQUIRE(ifs[0]["name"] == "lo");
  size_t hv0 = ifs[1]["name"] == "hv0" ? 1 : 2;
  REQUIRE(ifs[hv0]["name"] == "hv0");
  REQUIRE(ifs[hv0]["mac"] == sh("ip -br link show hv0 | awk '{print $3}'").substr(0, 17));
  for (const auto& i : ifs) REQUIRE_FALSE(i.contains("sandbox"));
  bool found = false;
  for (const auto& ip : r.json["ips"])
    if (ip["address"] == "192.0.2.10/24") found = ip["interface"] == hv0;
  REQUIRE(found);
}

TEST_CASE("host: any other namespace is refused with 105 and a clear message") {
  auto ns = make_netns("c1");
  auto r = call("berth-host", "ADD", ns, "c1", host_conf());
  REQUIRE(r.exit_code != 0);
  REQUIRE(r.json["code"] == 105);
  REQUIRE(r.json["msg"] == "CNI_NETNS is not the host's network namespace");
  REQUIRE(contains(r.json["details"].get<std::string>(), ns));
  // Without `hostNetns` the reference is PID 1's namespace, which this test's private
  // "host" is not; where PID 1's is unreadable (a runtime inside a container), the
  // plugin's own namespace stands in, and that one is this test's "host".
  json plain = {{"cniVersion", "1.1.0"}, {"name", "hostnet"}, {"type", "berth-host"}};
  auto p = call("berth-host", "ADD", host_netns_path(), "c1", plain);
  auto c = call("berth-host", "ADD", ns, "c1", plain);
  REQUIRE(c.json["code"] == 105);
  if (access("/proc/1/ns/net", R_OK) == 0) {
    REQUIRE(p.json["code"] == 105);
    REQUIRE(contains(p.json["details"].get<std::string>(), "/proc/1/ns/net"));
  } else {
    INFO(p.out << p.err);
    REQUIRE(p.exit_code == 0);
    REQUIRE(contains(c.json["details"].get<std::string>(), "/proc/1/ns/net is not readable"));
  }
}

TEST_CASE("host: DEL, GC and STATUS never change the host / CHECK verifies the namespace") {
  add_host_link();
  auto add = call("berth-host", "ADD", host_netns_path(), "c1", host_conf());
  REQUIRE(add.exit_code == 0);
  auto before = host_state();
  REQUIRE(call("berth-host", "DEL", host_netns_path(), "c1", host_conf()).exit_code == 0);
  REQUIRE(call("berth-host", "DEL", "", "c1", host_conf()).exit_code == 0);
  auto gc = host_conf();
  gc["cni.dev/valid-attachments"] = json::array();
  REQUIRE(run_plugin("berth-host", {{"CNI_COMMAND", "GC"}}, gc.dump()).exit_code == 0);
  REQUIRE(run_plugin("berth-host", {{"CNI_COMMAND", "STATUS"}}, host_conf().dump()).exit_code == 0);
  REQUIRE(host_state() == before);

  auto chk = host_conf();
  chk["prevResult"] = add.json;
  REQUIRE(call("berth-host", "CHECK", host_netns_path(), "c1", chk).exit_code == 0);
  auto bad = call("berth-host", "CHECK", make_netns("other"), "c1", chk);
  REQUIRE(bad.exit_code != 0);
  REQUIRE(bad.json["code"] == 108);
}

TEST_CASE("host: a prevResult is passed through / a bad hostNetns is code 7") {
  auto conf = host_conf("1.0.0");
  conf["prevResult"] = {{"cniVersion", "1.0.0"}, {"interfaces", {{{"name", "lo"}}}}};
  auto r = call("berth-host", "ADD", host_netns_path(), "c1", conf);
  REQUIRE(r.exit_code == 0);
  REQUIRE(r.json == conf["prevResult"]);
  auto bad = host_conf();
  bad["hostNetns"] = "relative/path";
  auto b = call("berth-host", "ADD", host_netns_path(), "c1", bad);
  REQUIRE(b.json["code"] == 7);
}
