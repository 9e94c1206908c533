// macspoofchk: a guarded container's frames must carry the MAC berth gave its interface,
// or the bridge drops them before forwarding them to a sibling or the host. Blocked pings
// fail at their 1 s timeout. Neighbour caches are flushed after each MAC change, so a
// result never depends on a stale ARP entry.
#include <catch2/catch.hpp>

#include "tests/netns/bridge_helpers.h"
#include "tests/netns/portmap_helpers.h"

using namespace berth::test;

namespace {

bool pings(const std::string& ns, const std::string& addr) {
  int rc = 1;
  sh_in(ns, "ping -c1 -W1 " + addr + " >/dev/null", &rc);
  return rc == 0;
}

// Gives the container's eth0 `mac` and forgets every learned neighbour, in the container,
// its siblings and the host.
void set_mac(const std::string& ns, const std::string& mac,
             std::initializer_list<std::string> others) {
  sh_in(ns, "ip link set eth0 address " + mac + " && ip neigh flush all");
  for (const auto& o : others) sh_in(o, "ip neigh flush all");
  sh("ip neigh flush all");
}

std::string mac_of(const PluginRun& r) { return r.json["interfaces"][2]["mac"].get<std::string>(); }
std::string host_veth_of(const PluginRun& r) {
  return r.json["interfaces"][1]["name"].get<std::string>();
}
std::string guard_sets() { return sh("nft list table bridge berth 2>/dev/null"); }

}  // namespace

TEST_CASE("bridge macspoofchk: a container with another MAC reaches neither sibling nor gateway") {
  auto a = make_netns("a"), b = make_netns("b");
  auto conf = bridge_conf("spoof", "10.97.0.0/24", {{"macspoofchk", true}});
  auto ra = cni("ADD", a, "a", conf);  // 10.97.0.2
  INFO(ra.out << ra.err);
  REQUIRE(ra.exit_code == 0);
  auto rb = cni("ADD", b, "b", conf);  // 10.97.0.3
  REQUIRE(rb.exit_code == 0);
  const std::string mac_a = mac_of(ra), mac_b = mac_of(rb);
  INFO(guard_sets());
  REQUIRE(pings(a, "10.97.0.3"));
  REQUIRE(pings(a, "10.97.0.1"));
  REQUIRE(pings(b, "10.97.0.2"));

  set_mac(a, "02:00:00:00:0a:0a", {b});
  CHECK_FALSE(pings(a, "10.97.0.3"));
  CHECK_FALSE(pings(a, "10.97.0.1"));
  CHECK(pings(b, "10.97.0.1"));
  // Posing as its sibling does not help: a MAC is allowed only on its own port.
  set_mac(a, mac_b, {b});
  CHECK_FALSE(pings(a, "10.97.0.3"));
  CHECK_FALSE(pings(a, "10.97.0.1"));
  CHECK(pings(b, "10.97.0.1"));
  // Its own MAC back, and it is let through again.
  set_mac(a, mac_a, {b});
  CHECK(pings(a, "10.97.0.3"));
  CHECK(pings(a, "10.97.0.1"));
}

TEST_CASE("bridge macspoofchk: a container without it on the same bridge may change its MAC") {
  auto a = make_netns("a"), c = make_netns("c");
  auto guarded = bridge_conf("mixed", "10.97.1.0/24", {{"macspoofchk", true}});
  auto open = bridge_conf("mixed", "10.97.1.0/24");
  REQUIRE(cni("ADD", a, "a", guarded).exit_code == 0);  // 10.97.1.2
  auto rc = cni("ADD", c, "c", open);                   // 10.97.1.3
  REQUIRE(rc.exit_code == 0);
  REQUIRE(guard_sets().find(host_veth_of(rc)) == std::string::npos);
  REQUIRE(pings(c, "10.97.1.2"));
  set_mac(c, "02:00:00:00:0c:0c", {a});
  CHECK(pings(c, "10.97.1.2"));
  CHECK(pings(c, "10.97.1.1"));
  // The guarded one, changed the same way, is cut off: the rule is in force on this bridge.
  set_mac(a, "02:00:00:00:0a:0a", {c});
  CHECK_FALSE(pings(a, "10.97.1.3"));
  CHECK_FALSE(pings(a, "10.97.1.1"));
}

TEST_CASE(
    "bridge macspoofchk: the port and its MAC are set elements that CHECK / DEL and GC handle") {
  auto a = make_netns("a");
  auto conf = bridge_conf("guard", "10.97.2.0/24", {{"macspoofchk", true}});
  auto r = cni("ADD", a, "a", conf);
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  const std::string veth = host_veth_of(r), mac = mac_of(r);
  auto ports = sh("nft list set bridge berth mac_ports");
  auto allowed = sh("nft list set bridge berth mac_allowed");
  INFO(ports << allowed);
  CHECK(ports.find("\"" + veth + "\"") != std::string::npos);
  CHECK(allowed.find("\"" + veth + "\" . " + mac) != std::string::npos);
  CHECK(allowed.find("comment \"guard ") != std::string::npos);  // tagged with the attachment
  // One rule, whatever the number of guarded containers.
  CHECK(sh("nft list chain bridge berth prerouting | grep -c drop") == "1\n");

  auto with_prev = conf;
  with_prev["prevResult"] = r.json;
  auto ok = cni("CHECK", a, "a", with_prev);
  INFO(ok.out << ok.err);
  CHECK(ok.exit_code == 0);
  sh("nft flush set bridge berth mac_allowed");
  auto bad = cni("CHECK", a, "a", with_prev);
  CHECK(bad.exit_code != 0);
  CHECK(bad.json["code"] == 108);

  REQUIRE(cni("DEL", a, "a", conf).exit_code == 0);
  CHECK(guard_sets().find(veth) == std::string::npos);

  // GC with no valid attachment leaves no table at all.
  auto b = make_netns("b");
  auto rb = cni("ADD", b, "b", conf);
  REQUIRE(rb.exit_code == 0);
  REQUIRE(guard_sets().find(host_veth_of(rb)) != std::string::npos);
  auto g = gc(conf, json::array());
  INFO(g.out << g.err);
  REQUIRE(g.exit_code == 0);
  CHECK(sh("nft list tables").empty());
}

TEST_CASE("bridge macspoofchk: a value other than true or false is code 7") {
  auto a = make_netns("a");
  auto r = cni("ADD", a, "a", bridge_conf("badval", "10.97.3.0/24", {{"macspoofchk", "yes"}}));
  CHECK(r.exit_code != 0);
  CHECK(r.json["code"] == 7);
  CHECK(host_veths().empty());
  CHECK(lease_count("badval") == 0);
}
