// `network disconnect` from the network a container was created on (--net, or the default
// bridge), with Docker's semantics: it stays off it across stop, start and restart-policy
// restarts (its netns keeps `lo` only, plus networks joined with connect), inspect no
// longer lists it, and `network connect` brings it back as it was created.
#include <catch2/catch.hpp>
#include <string>

#include "tests/netns/runtime_helpers.h"

using namespace berth::test;
using nlohmann::json;

namespace {

json networks_of(const Berth& berth, const std::string& ref) {
  return berth.inspect(ref)["NetworkSettings"]["Networks"];
}

bool has_link(const Berth& berth, const std::string& ref, const std::string& ifname) {
  return berth("exec " + ref + " ip -o link show " + ifname).rc == 0;
}

}  // namespace

TEST_CASE("disconnect from its own network lasts across stop and start until connect",
          "[runtime][net]") {
  Berth berth;
  berth.ok("network create own");
  berth.ok("network create other");
  berth.ok("run -d --name box --net own --network-alias web busybox sleep 1000");
  REQUIRE(has_link(berth, "box", "eth0"));

  berth.ok("network disconnect own box");
  CHECK_FALSE(has_link(berth, "box", "eth0"));
  CHECK_FALSE(networks_of(berth, "box").contains("own"));
  CHECK(berth.inspect("box")["HostConfig"]["NetworkMode"] == "own");  // as Docker keeps it
  auto twice = berth("network disconnect own box");
  CHECK(twice.rc == 1);
  CHECK(twice.err.find("not on network `own`") != std::string::npos);

  berth.ok("stop -t 1 box");
  CHECK(networks_of(berth, "box").empty());  // not listed while stopped either
  berth.ok("start box");
  CHECK_FALSE(has_link(berth, "box", "eth0"));
  CHECK(Berth::trim(berth.ok("exec box ls /sys/class/net")) == "lo");
  CHECK(networks_of(berth, "box").empty());
  CHECK(veth_links().empty());

  // A connected network takes eth0 meanwhile.
  berth.ok("network connect other box");
  CHECK(networks_of(berth, "box")["other"]["InterfaceName"] == "eth0");

  // Back as created: now (on the next free interface), with its alias, and at every start.
  auto with_alias = berth("network connect --alias x own box");
  CHECK(with_alias.rc == 1);
  CHECK(with_alias.err.find("drop --alias") != std::string::npos);
  berth.ok("network connect own box");
  auto nets = networks_of(berth, "box");
  REQUIRE(nets.contains("own"));
  CHECK(nets["own"]["InterfaceName"] == "eth1");
  CHECK_FALSE(nets["own"]["IPAddress"].get<std::string>().empty());
  CHECK(nets["own"]["Aliases"] == json::array({"box", "web"}));
  CHECK(has_link(berth, "box", "eth1"));
  CHECK(berth("network connect own box").rc == 1);  // already on it
  berth.ok("stop -t 1 box");
  CHECK(networks_of(berth, "box").contains("own"));  // listed while stopped, no address
  berth.ok("start box");
  nets = networks_of(berth, "box");
  CHECK(nets["own"]["InterfaceName"] == "eth0");  // its own network comes first again
  CHECK(nets["other"]["InterfaceName"] == "eth1");

  berth.ok("rm -f box");
  berth.ok("network rm own other");
  CHECK(veth_links().empty());
}

TEST_CASE("disconnect from the default bridge lasts across restart-policy restarts",
          "[runtime][net]") {
  Berth berth;
  berth.ok("run -d --name bounce --restart always busybox sh -c 'sleep 1; exit 3'");
  REQUIRE(networks_of(berth, "bounce").contains("bridge"));
  berth.ok("network disconnect bridge bounce");
  REQUIRE(wait_for([&] { return berth.inspect("bounce")["RestartCount"].get<int>() >= 1; }, 10000));
  REQUIRE(wait_for([&] { return berth.inspect("bounce")["State"]["Status"] == "running"; }));
  CHECK(networks_of(berth, "bounce").empty());
  CHECK(berth.inspect("bounce")["NetworkSettings"]["IPAddress"] == "");
  CHECK(veth_links().empty());
  berth.ok("rm -f bounce");

  // A stopped container can leave its own network too; the next start has `lo` only.
  berth.ok("create --name later busybox sleep 1000");
  CHECK(networks_of(berth, "later").contains("bridge"));
  berth.ok("network disconnect bridge later");
  CHECK(networks_of(berth, "later").empty());
  CHECK(berth("network disconnect bridge later").rc == 1);
  berth.ok("start later");
  CHECK(Berth::trim(berth.ok("exec later ls /sys/class/net")) == "lo");
  berth.ok("rm -f later");
}
