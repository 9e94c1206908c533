// Isolation between berth bridges (Docker's rule: nothing in on one and out on another),
// internal networks and icc=false, seen from containers and the "outside" namespace.
// Blocked paths are dropped, so they fail at the clients' 1.5 s timeout.
#include <catch2/catch.hpp>

#include "tests/netns/portmap_helpers.h"

using namespace berth::test;

namespace {

// Runs `check` with bridge netfilter on (the kernel default: bridged IPv4 also passes
// the inet hooks) and off.
template <typename F>
void both_brnf_modes(F check) {
  for (const char* on : {"1", "0"}) {
    INFO("bridge-nf-call-iptables=" << on);
    sh(std::string("echo ") + on + " > /proc/sys/net/bridge/bridge-nf-call-iptables");
    check();
  }
}

}  // namespace

TEST_CASE("isolation: two berth networks cannot reach each other both ways") {
  auto out = make_outside({"10.86.0.0/24", "10.86.1.0/24"});
  auto a1 = make_netns("a1"), b1 = make_netns("b1"), a2 = make_netns("a2");
  auto n1 = bridge_conf("iso1", "10.86.0.0/24");
  auto n2 = bridge_conf("iso2", "10.86.1.0/24");
  REQUIRE(cni("ADD", a1, "a1", n1).exit_code == 0);  // 10.86.0.2
  REQUIRE(cni("ADD", b1, "b1", n1).exit_code == 0);  // 10.86.0.3
  auto r = cni("ADD", a2, "a2", with_ports(n2, {mapping(8080, 80)}));  // 10.86.1.2
  INFO(r.out << r.err << sh("nft list ruleset"));
  REQUIRE(r.exit_code == 0);
  for (const auto& ns : {a1, b1, a2}) serve(ns, "tcp", 80, "web");
  serve(out, "tcp", 80, "out");
  both_brnf_modes([&] {
    CHECK(request(a1, "tcp", "10.86.0.3", 80) == "web 10.86.0.2");  // own network
    CHECK(request(a1, "tcp", "10.86.1.2", 80).empty());             // n1 -> n2
    CHECK(request(a2, "tcp", "10.86.0.2", 80).empty());             // n2 -> n1
    CHECK(request(a1, "tcp", kOutside4, 80) == "out " + kHost4);     // both still go out
    CHECK(request(a2, "tcp", kOutside4, 80) == "out " + kHost4);
    // A published port is public: other networks reach it through the host's address
    // (masqueraded, as a1 leaves through a bridge other than its own).
    CHECK(request(a1, "tcp", kHost4, 8080) == "web 10.86.1.1");
  });
}

TEST_CASE("isolation: an internal network has no way out or in / its members talk") {
  auto out = make_outside({"10.87.0.0/24"});
  auto a = make_netns("a"), b = make_netns("b");
  auto conf = bridge_conf("int", "10.87.0.0/24", {{"internal", true}});  // ipMasq stays true
  REQUIRE(cni("ADD", a, "a", conf).exit_code == 0);  // 10.87.0.2
  REQUIRE(cni("ADD", b, "b", conf).exit_code == 0);  // 10.87.0.3
  serve(a, "tcp", 80, "web");
  serve(out, "tcp", 80, "out");
  both_brnf_modes([&] {
    CHECK(request(b, "tcp", "10.87.0.2", 80) == "web 10.87.0.3");
    CHECK(request(a, "tcp", kOutside4, 80).empty());
    CHECK(request(out, "tcp", "10.87.0.2", 80).empty());
  });
  CHECK(sh("nft list set inet berth masq4").find("10.87.0.2") == std::string::npos);  // no masquerade
  CHECK(sh("nft list set inet berth internal").find("\"br-int\"") != std::string::npos);
}

TEST_CASE("isolation: icc off keeps members apart / they go out and serve published ports") {
  auto out = make_outside({"10.88.0.0/24"});
  auto a = make_netns("a"), b = make_netns("b");
  auto conf = bridge_conf("noicc", "10.88.0.0/24", {{"icc", false}, {"hairpinMode", true}});
  auto ra = cni("ADD", a, "a", with_ports(conf, {mapping(8080, 80)}));  // 10.88.0.2
  INFO(ra.out << ra.err << sh("nft list ruleset"));
  REQUIRE(ra.exit_code == 0);
  REQUIRE(cni("ADD", b, "b", conf).exit_code == 0);  // 10.88.0.3
  serve(a, "tcp", 80, "web");
  serve(b, "tcp", 80, "web");
  serve(out, "tcp", 80, "out");
  both_brnf_modes([&] {
    CHECK(request(b, "tcp", "10.88.0.2", 80).empty());
    CHECK(request(a, "tcp", "10.88.0.3", 80).empty());
    CHECK(request(a, "tcp", kOutside4, 80) == "out " + kHost4);
    CHECK(request(out, "tcp", kHost4, 8080) == "web " + kOutside4);
    CHECK(request("", "tcp", "10.88.0.2", 80) == "web 10.88.0.1");  // the host reaches both
    // A sibling and the container itself reach the published port through the host. With
    // bridge netfilter that DNATed connection is bridged port to port: chain mark_dnat's
    // bit lets it pass the icc rule.
    CHECK(request(b, "tcp", "10.88.0.1", 8080) == "web 10.88.0.1");
    CHECK(request(a, "tcp", "10.88.0.1", 8080) == "web 10.88.0.1");
  });
  CHECK(sh("nft list tables") == "table inet berth\ntable bridge berth\n");
  // DEL of both and GC leave the ruleset as it was before berth ran.
  REQUIRE(cni("DEL", a, "a", conf).exit_code == 0);
  REQUIRE(cni("DEL", b, "b", conf).exit_code == 0);
  auto g = gc(conf, json::array());
  INFO(g.out << g.err);
  REQUIRE(g.exit_code == 0);
  CHECK(sh("nft list tables").empty());
}

TEST_CASE("isolation: route_localnet does not open the host's loopback to containers") {
  auto a = make_netns("a");
  auto conf = with_ports(bridge_conf("lo", "10.89.0.0/24"), {mapping(8080, 80)});
  REQUIRE(cni("ADD", a, "a", conf).exit_code == 0);
  REQUIRE(sh("cat /proc/sys/net/ipv4/conf/br-lo/route_localnet") == "1\n");
  serve("", "tcp", 9999, "secret", "127.0.0.1");
  REQUIRE(request("", "tcp", "127.0.0.1", 9999) == "secret 127.0.0.1");
  // A container that routes 127.0.0.0/8 to its gateway (it needs CAP_NET_ADMIN in its
  // namespace for that) sends SYNs to the host's 127.0.0.1. Its own kernel would drop
  // the answer, so what shows whether the host's service was reached is whether the host
  // answered: a counter on the host's output.
  sh_in(a, "sysctl -qw net.ipv4.conf.eth0.route_localnet=1 && ip route del local 127.0.0.0/8 table local && "
           "ip route del local 127.0.0.1 table local && ip route add 127.0.0.0/8 via 10.89.0.1");
  sh("nft 'add table ip probe; add chain ip probe out { type filter hook output priority 0; }; "
     "add rule ip probe out ip daddr 10.89.0.2 tcp sport 9999 counter'");
  auto answers = [] {
    auto t = sh("nft list chain ip probe out");
    auto at = t.find("packets ");
    return at == std::string::npos ? -1 : std::stoi(t.substr(at + 8));
  };
  CHECK(request(a, "tcp", "127.0.0.1", 9999).empty());
  CHECK(answers() == 0);
  sh("nft flush chain inet berth input");  // without berth's guard the service answers
  CHECK(request(a, "tcp", "127.0.0.1", 9999).empty());
  CHECK(answers() > 0);
}
