// Isolation between networks as a user of the runtime sees it (Docker's rule: nothing in on
// one bridge and out on another, the default bridge included), with containers started by
// `berth run -d` and ping -c1 -W1 both ways; published ports stay reachable through the host.
#include <catch2/catch.hpp>

#include "tests/netns/bridge_helpers.h"
#include "tests/netns/runtime_helpers.h"

using namespace berth::test;

namespace {

bool pings(const Berth& berth, const std::string& from, const std::string& to) {
  return berth("exec " + from + " ping -c1 -W1 " + to).rc == 0;
}

std::string addr(const Berth& berth, const std::string& name, const std::string& net,
                 const char* field = "IPAddress") {
  return berth.ok("inspect -f '{{.NetworkSettings.Networks." + net + "." + field + "}}' " + name);
}

}  // namespace

TEST_CASE("isolation matrix: default, user and internal networks, both ways, IPv4 and IPv6",
          "[runtime][net]") {
  Berth berth;
  berth.ok("network create --subnet 10.206.0.0/24 --ipv6 appnet");
  berth.ok("network create --subnet 10.207.0.0/24 --ipv6 othernet");
  berth.ok("network create --subnet 10.208.0.0/24 --ipv6 --internal intnet");
  berth.ok("run -d --name d1 busybox sleep 300");
  berth.ok("run -d --name a1 --net appnet -p 8080:80 busybox nc -ll -p 80 -e echo a1");
  berth.ok("run -d --name a2 --net appnet busybox sleep 300");
  berth.ok("run -d --name b1 --net othernet busybox sleep 300");
  berth.ok("run -d --name i1 --net intnet busybox sleep 300");
  struct Box {
    std::string name, net;
  };
  const std::vector<Box> boxes = {
      {"d1", "bridge"}, {"a1", "appnet"}, {"b1", "othernet"}, {"i1", "intnet"}};
  for (const auto& from : boxes)
    for (const auto& to : boxes) {
      if (from.name == to.name) continue;
      INFO(from.name << " (" << from.net << ") -> " << to.name << " (" << to.net << ")");
      CHECK_FALSE(pings(berth, from.name, addr(berth, to.name, to.net)));
      if (from.net != "bridge" && to.net != "bridge")  // the default network has no IPv6
        CHECK_FALSE(pings(berth, from.name, addr(berth, to.name, to.net, "GlobalIPv6Address")));
    }
  // Within one network (internal ones too: its members talk), both families.
  CHECK(pings(berth, "a2", addr(berth, "a1", "appnet")));
  CHECK(pings(berth, "a1", addr(berth, "a2", "appnet", "GlobalIPv6Address")));
  // A published port is public: other networks reach it through the host's address.
  for (const auto& [from, net] : {std::pair{"d1", "bridge"}, {"b1", "othernet"}})
    CHECK(berth.ok(std::string("exec ") + from + " nc -w 3 " + addr(berth, from, net, "Gateway") +
                   " 8080 </dev/null") == "a1");
  berth.ok("rm -f d1 a1 a2 b1 i1");
}

TEST_CASE("a CNI network sharing the default bridge does not take its isolation when it goes",
          "[runtime][net]") {
  Berth berth;
  berth.ok("network create --subnet 10.206.0.0/24 appnet");
  berth.ok("run -d --name a1 --net appnet busybox sleep 300");
  berth.ok("run -d --name d1 busybox sleep 300");
  const std::string a1 = addr(berth, "a1", "appnet"), d1 = addr(berth, "d1", "bridge");
  REQUIRE_FALSE(pings(berth, "d1", a1));
  // Another CNI runtime's network on berth-bridge without `bridge`: the plugin's default,
  // berth0, the runtime's default bridge. Its one container comes and goes.
  auto conf = bridge_conf("cninet", "10.209.0.0/24");
  conf.erase("bridge");
  auto ns = make_netns("c1");
  auto add = cni("ADD", ns, "c1", conf);
  INFO(add.out << add.err);
  REQUIRE(add.exit_code == 0);
  CHECK(sh("ip -o link show master berth0 | grep -c veth") == "2\n");
  CHECK_FALSE(pings(berth, "d1", a1));
  REQUIRE(cni("DEL", ns, "c1", conf).exit_code == 0);
  INFO(sh("nft list set inet berth bridges"));
  CHECK_FALSE(pings(berth, "d1", a1));
  CHECK_FALSE(pings(berth, "a1", d1));
  // The default network's last container takes the bridge's elements with it.
  berth.ok("rm -f d1");
  CHECK(sh("nft list set inet berth bridges").find("berth0") == std::string::npos);
  berth.ok("rm -f a1");
}
