// berth-none: only `lo`, brought up and reported the way the reference loopback does.
#include <catch2/catch.hpp>

#include "tests/netns/modes_helpers.h"

using namespace berth::test;

namespace {

json none_conf(const std::string& version = "1.1.0") {
  return {{"cniVersion", version}, {"name", "none"}, {"type", "berth-none"}};
}

}  // namespace

TEST_CASE("none: ADD brings lo up and reports 127.0.0.1/8 and ::1 on interface 0") {
  auto ns = make_netns("c1");
  sh_in(ns, "ip link set lo down");
  auto r = call("berth-none", "ADD", ns, "c1", none_conf());
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  json want = {{"cniVersion", "1.1.0"},
               {"interfaces", {{{"name", "lo"}, {"mac", "00:00:00:00:00:00"}, {"sandbox", ns}}}},
               {"ips", {{{"address", "127.0.0.1/8"}, {"interface", 0}}, {{"address", "::1/128"}, {"interface", 0}}}}};
  REQUIRE(r.json == want);
  REQUIRE(contains(sh_in(ns, "ip -o link show lo"), "UP"));
  REQUIRE(ping(ns, "127.0.0.1"));
  REQUIRE(ping(ns, "::1"));
  // Nothing else was configured: lo is the only link, and no route leaves it.
  REQUIRE(sh_in(ns, "ip -o link show | wc -l") == "1\n");
  REQUIRE(sh_in(ns, "ip route show").empty());
}

TEST_CASE("none: containerd's loopback call (0.3.1, ifname lo, K8S args) through a `loopback` symlink") {
  auto ns = make_netns("sandbox");
  sh_in(ns, "ip link set lo down");
  auto dir = temp_dir();
  sh("ln -s " + bin_dir() + "/berth-none " + dir + "/loopback");
  json conf = {{"cniVersion", "0.3.1"}, {"name", "cni-loopback"}, {"type", "loopback"}};
  auto r = call(dir + "/loopback", "ADD", ns, "0123456789abcdef", conf, "lo",
                "IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=web-0;"
                "K8S_POD_INFRA_CONTAINER_ID=0123456789abcdef;K8S_POD_UID=1f3c");
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  REQUIRE(r.json["cniVersion"] == "0.3.1");
  REQUIRE(r.json["ips"][0] == json({{"version", "4"}, {"address", "127.0.0.1/8"}, {"interface", 0}}));
  REQUIRE(r.json["ips"][1]["version"] == "6");
  REQUIRE(contains(sh_in(ns, "ip -o link show lo"), "UP"));
  // containerd's two DELs: the second with no netns.
  REQUIRE(call(dir + "/loopback", "DEL", ns, "0123456789abcdef", conf, "lo").exit_code == 0);
  REQUIRE(call(dir + "/loopback", "DEL", "", "0123456789abcdef", conf, "lo").exit_code == 0);
}

TEST_CASE("none: a prevResult is passed through unchanged") {
  auto ns = make_netns("c1");
  auto conf = none_conf("1.0.0");
  conf["prevResult"] = {{"cniVersion", "1.0.0"},
                        {"interfaces", {{{"name", "eth0"}, {"mac", "0e:55:8a:3d:7c:02"}, {"sandbox", ns}}}},
                        {"ips", {{{"address", "10.1.2.3/24"}, {"gateway", "10.1.2.1"}, {"interface", 0}}}},
                        {"routes", {{{"dst", "0.0.0.0/0"}, {"gw", "10.1.2.1"}}}},
                        {"dns", {{"nameservers", {"10.1.2.1"}}}}};
  auto r = call("berth-none", "ADD", ns, "c1", conf);
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  REQUIRE(r.json == conf["prevResult"]);
}

TEST_CASE("none: DEL leaves the namespace as it is / empty or vanished netns succeed") {
  auto ns = make_netns("c1");
  REQUIRE(call("berth-none", "ADD", ns, "c1", none_conf()).exit_code == 0);
  auto r = call("berth-none", "DEL", ns, "c1", none_conf());
  REQUIRE(r.exit_code == 0);
  REQUIRE(r.out.empty());
  REQUIRE(contains(sh_in(ns, "ip -o link show lo"), "UP"));
  REQUIRE(call("berth-none", "DEL", ns, "c1", none_conf()).exit_code == 0);
  REQUIRE(call("berth-none", "DEL", "", "c1", none_conf()).exit_code == 0);
  delete_netns(ns);
  REQUIRE(call("berth-none", "DEL", ns, "c1", none_conf()).exit_code == 0);
}

TEST_CASE("none: CHECK passes while lo is up and fails once it is down") {
  auto ns = make_netns("c1");
  auto add = call("berth-none", "ADD", ns, "c1", none_conf());
  REQUIRE(add.exit_code == 0);
  auto conf = none_conf();
  conf["prevResult"] = add.json;
  auto ok = call("berth-none", "CHECK", ns, "c1", conf);
  INFO(ok.out << ok.err);
  REQUIRE(ok.exit_code == 0);
  REQUIRE(ok.out.empty());
  sh_in(ns, "ip link set lo down");
  auto bad = call("berth-none", "CHECK", ns, "c1", conf);
  REQUIRE(bad.exit_code != 0);
  REQUIRE(bad.json["code"] == 108);
  REQUIRE(contains(bad.json["details"].get<std::string>(), "`lo` is down"));
}

TEST_CASE("none: lo with a real address and the host's own netns are refused") {
  auto ns = make_netns("c1");
  sh_in(ns, "ip addr add 192.0.2.9/24 dev lo");
  auto r = call("berth-none", "ADD", ns, "c1", none_conf());
  REQUIRE(r.exit_code != 0);
  REQUIRE(r.json["code"] == 105);
  REQUIRE(contains(r.json["details"].get<std::string>(), "192.0.2.9/24"));
  auto self = call("berth-none", "ADD", host_netns_path(), "c1", none_conf());
  REQUIRE(self.exit_code != 0);
  REQUIRE(self.json["code"] == 105);
}
