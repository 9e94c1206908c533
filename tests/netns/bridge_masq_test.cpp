// Masquerade seen from a fake "outside" namespace routed to the test host: the source of
// a container's connection is rewritten to the host's address, and only while ipMasq is on.
#include <catch2/catch.hpp>

#include "tests/netns/bridge_helpers.h"

using namespace berth::test;

namespace {

// An "outside" namespace on 198.18.0.0/24 behind the host's link vout. It has a route
// back to the container subnet, so unmasqueraded traffic would show the container's own
// source address rather than fail.
std::string make_outside(const std::string& ctr_subnet) {
  auto out = make_netns("outside");
  sh("ip link add vout type veth peer name eth0 netns " + out);
  sh("ip addr add 198.18.0.1/24 dev vout && ip link set vout up");
  sh_in(out, "ip addr add 198.18.0.2/24 dev eth0 && ip link set eth0 up && ip route add " + ctr_subnet +
                 " via 198.18.0.1");
  return out;
}

}  // namespace

TEST_CASE("ipMasq rewrites the source toward the outside and DEL stops it") {
  auto out = make_outside("10.99.0.0/24");
  auto ns = make_netns("c1");
  auto conf = bridge_conf("masq", "10.99.0.0/24");
  auto r = cni("ADD", ns, "c1", conf);
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  auto rules = sh("nft list table inet berth");
  INFO(rules);
  REQUIRE(rules.find("10.99.0.2") != std::string::npos);
  tcp_serve_once(out, 9000, "hi");
  REQUIRE(tcp_request(ns, "198.18.0.2", 9000) == "hi 198.18.0.1");

  // Same container again without ipMasq: the outside now sees the container itself.
  REQUIRE(cni("DEL", ns, "c1", conf).exit_code == 0);
  REQUIRE(sh("nft list table inet berth 2>/dev/null").find("10.99.0.2") == std::string::npos);
  conf["ipMasq"] = false;
  auto again = cni("ADD", ns, "c1", conf);
  REQUIRE(again.exit_code == 0);
  auto addr = again.json["ips"][0]["address"].get<std::string>();
  addr = addr.substr(0, addr.find('/'));  // round robin: the next address, 10.99.0.3
  tcp_serve_once(out, 9001, "hi");
  REQUIRE(tcp_request(ns, "198.18.0.2", 9001) == "hi " + addr);
}

TEST_CASE("ipMasq leaves traffic inside the bridge unrewritten and scales by elements") {
  auto conf = bridge_conf("masq2", "10.99.1.0/24");
  auto a = make_netns("a");
  auto b = make_netns("b");
  REQUIRE(cni("ADD", a, "a", conf).exit_code == 0);
  REQUIRE(cni("ADD", b, "b", conf).exit_code == 0);
  tcp_serve_once(b, 9002, "hi");
  REQUIRE(tcp_request(a, "10.99.1.3", 9002) == "hi 10.99.1.2");
  // Two containers, still the same fixed set of rules: one element per container.
  auto rules = sh("nft -a list chain inet berth postrouting | grep -c handle");
  auto c = make_netns("c");
  REQUIRE(cni("ADD", c, "c", conf).exit_code == 0);
  REQUIRE(sh("nft -a list chain inet berth postrouting | grep -c handle") == rules);
}
