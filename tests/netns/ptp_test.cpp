// berth-ptp: a veth pair container<->host, or container<->container (`peerNetns`), with
// host routes at both ends; checked with real traffic.
#include <catch2/catch.hpp>

#include "tests/netns/modes_helpers.h"

using namespace berth::test;

namespace {

json ptp_conf(const std::string& name, const std::string& subnet, json extra = json::object()) {
  json c = {{"cniVersion", "1.1.0"},
            {"name", name},
            {"type", "berth-ptp"},
            {"ipam", {{"type", "berth-ipam"}, {"subnet", subnet}, {"routes", {{{"dst", "0.0.0.0/0"}}}}}}};
  c.update(extra);
  return c;
}

std::string veths() { return sh("ip -o link show type veth | awk -F': ' '{print $2}'"); }

}  // namespace

TEST_CASE("ptp: container to host, /32 at the host end, routes both ways, traffic") {
  auto ns = make_netns("c1");
  auto r = call("berth-ptp", "ADD", ns, "c1", ptp_conf("p2h", "10.100.0.0/24"));
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  REQUIRE(r.json["interfaces"].size() == 2);
  auto host_end = r.json["interfaces"][0]["name"].get<std::string>();
  REQUIRE(host_end.rfind("ptp", 0) == 0);
  REQUIRE_FALSE(r.json["interfaces"][0].contains("sandbox"));
  REQUIRE(r.json["interfaces"][1]["sandbox"] == ns);
  REQUIRE(r.json["ips"][0] == json({{"address", "10.100.0.2/24"}, {"gateway", "10.100.0.1"}, {"interface", 1}}));
  // Container: the address without a connected route; the gateway on-link; the rest via it.
  REQUIRE(contains(sh_in(ns, "ip -o addr show eth0"), "inet 10.100.0.2/24"));
  auto routes = sh_in(ns, "ip route show");
  REQUIRE(contains(routes, "default via 10.100.0.1 dev eth0"));
  REQUIRE(contains(routes, "10.100.0.1 dev eth0 scope link"));
  REQUIRE(contains(routes, "10.100.0.0/24 via 10.100.0.1 dev eth0"));
  // Host: gateway/32 on its end and a /32 route to the container.
  REQUIRE(contains(sh("ip -o addr show " + host_end), "inet 10.100.0.1/32"));
  REQUIRE(contains(sh("ip route show"), "10.100.0.2 dev " + host_end + " scope link"));
  REQUIRE(sh("cat /proc/sys/net/ipv4/ip_forward") == "1\n");
  REQUIRE(ping(ns, "10.100.0.1"));
  tcp_serve_once(ns, 8080, "ptp");
  REQUIRE(tcp_request(host_netns_path(), "10.100.0.2", 8080) == "ptp 10.100.0.1");
}

TEST_CASE("ptp: two --net=none containers wired directly with /32 addresses (static IPAM)") {
  if (!have_reference("static")) {
    WARN("Debian's reference `static` IPAM is not installed: skipped");
    return;
  }
  auto a = make_netns("a");
  auto b = make_netns("b");
  // The user's notes by hand: 10.99.0.2/32 in a, 10.99.0.1/32 in b, a /32 route each way.
  json conf = {{"cniVersion", "1.0.0"}, {"name", "wire"}, {"type", "berth-ptp"}, {"peerNetns", b},
               {"peerIfname", "eth0"},
               {"ipam", {{"type", "static"}, {"addresses", {{{"address", "10.99.0.2/32"}, {"gateway", "10.99.0.1"}}}}}}};
  auto r = call("berth-ptp", "ADD", a, "a", conf);
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  REQUIRE(r.json["interfaces"][0] == json({{"name", "eth0"}, {"mac", r.json["interfaces"][0]["mac"]}, {"sandbox", b}}));
  REQUIRE(contains(sh_in(a, "ip -o addr show eth0"), "inet 10.99.0.2/32"));
  REQUIRE(contains(sh_in(b, "ip -o addr show eth0"), "inet 10.99.0.1/32"));
  REQUIRE(contains(sh_in(a, "ip route"), "10.99.0.1 dev eth0 scope link"));
  REQUIRE(contains(sh_in(b, "ip route"), "10.99.0.2 dev eth0 scope link"));
  REQUIRE(veths().empty());  // nothing on the host
  tcp_serve_once(b, 9000, "from-b");
  REQUIRE(tcp_request(a, "10.99.0.1", 9000) == "from-b 10.99.0.2");
  tcp_serve_once(a, 9001, "from-a");
  REQUIRE(tcp_request(b, "10.99.0.2", 9001) == "from-a 10.99.0.1");

  auto chk = conf;
  chk["prevResult"] = r.json;
  REQUIRE(call("berth-ptp", "CHECK", a, "a", chk).exit_code == 0);
  REQUIRE(call("berth-ptp", "DEL", a, "a", conf).exit_code == 0);
  REQUIRE(sh_in(a, "ip -o link show eth0 2>/dev/null").empty());
  REQUIRE(sh_in(b, "ip -o link show eth0 2>/dev/null").empty());
  REQUIRE(call("berth-ptp", "DEL", a, "a", conf).exit_code == 0);
}

TEST_CASE("ptp: peer container with berth-ipam, dual stack, traffic in both families") {
  auto a = make_netns("a");
  auto b = make_netns("b");
  json conf = ptp_conf("pair", "10.101.0.0/30", {{"peerNetns", b}});
  conf["ipam"] = {{"type", "berth-ipam"},
                  {"ranges", json::array({json::array({{{"subnet", "10.101.0.0/30"}}}),
                                          json::array({{{"subnet", "fd00:101::/126"}}})})}};
  auto r = call("berth-ptp", "ADD", a, "a", conf);
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  REQUIRE(r.json["ips"].size() == 2);
  auto peer_end = r.json["interfaces"][0]["name"].get<std::string>();
  REQUIRE(contains(sh_in(b, "ip -o addr show " + peer_end), "inet6 fd00:101::1/128"));
  REQUIRE(ping(a, "10.101.0.1"));
  REQUIRE(ping(b, "10.101.0.2"));
  REQUIRE(ping(a, "fd00:101::1"));
  REQUIRE(ping(b, "fd00:101::2"));
}

TEST_CASE("ptp: DEL removes both ends and the lease, also with the netns gone") {
  auto ns = make_netns("c1");
  auto conf = ptp_conf("del", "10.102.0.0/24");
  REQUIRE(call("berth-ptp", "ADD", ns, "c1", conf).exit_code == 0);
  REQUIRE(leases("del") == 1);
  auto d = call("berth-ptp", "DEL", ns, "c1", conf);
  REQUIRE(d.exit_code == 0);
  REQUIRE(d.out.empty());
  REQUIRE(veths().empty());
  REQUIRE(sh_in(ns, "ip -o link show eth0 2>/dev/null").empty());
  REQUIRE(leases("del") == 0);
  REQUIRE_FALSE(contains(sh("ip route"), "10.102.0.2"));
  REQUIRE(call("berth-ptp", "DEL", ns, "c1", conf).exit_code == 0);
  // Netns deleted before DEL: the pair died with it; the lease is still released.
  REQUIRE(call("berth-ptp", "ADD", ns, "c1", conf).exit_code == 0);
  delete_netns(ns);
  REQUIRE(call("berth-ptp", "DEL", ns, "c1", conf).exit_code == 0);
  REQUIRE(call("berth-ptp", "DEL", "", "c1", conf).exit_code == 0);
  REQUIRE(leases("del") == 0);
}

TEST_CASE("ptp: CHECK passes after ADD and names a missing route / needs prevResult") {
  auto ns = make_netns("c1");
  auto conf = ptp_conf("chk", "10.103.0.0/24");
  auto r = call("berth-ptp", "ADD", ns, "c1", conf);
  REQUIRE(r.exit_code == 0);
  auto chk = conf;
  chk["prevResult"] = r.json;
  auto ok = call("berth-ptp", "CHECK", ns, "c1", chk);
  INFO(ok.out << ok.err);
  REQUIRE(ok.exit_code == 0);
  REQUIRE(call("berth-ptp", "CHECK", ns, "c1", conf).exit_code != 0);
  sh("ip route del 10.103.0.2/32");
  auto bad = call("berth-ptp", "CHECK", ns, "c1", chk);
  REQUIRE(bad.json["code"] == 108);
  REQUIRE(contains(bad.json["details"].get<std::string>(), "10.103.0.2"));
}

TEST_CASE("ptp: failures roll back: duplicate ifname, missing IPAM, ipMasq unsupported") {
  auto ns = make_netns("c1");
  auto conf = ptp_conf("fail", "10.104.0.0/24");
  REQUIRE(call("berth-ptp", "ADD", ns, "c1", conf).exit_code == 0);
  auto dup = call("berth-ptp", "ADD", ns, "c1", conf);
  REQUIRE(dup.json["code"] == 106);
  REQUIRE(leases("fail") == 1);
  auto ns2 = make_netns("c2");
  auto noipam = conf;
  noipam["ipam"]["type"] = "no-such-ipam";
  REQUIRE(call("berth-ptp", "ADD", ns2, "c2", noipam).json["code"] == 104);
  auto masq = conf;
  masq["ipMasq"] = true;
  REQUIRE(call("berth-ptp", "ADD", ns2, "c2", masq).json["code"] == 2);
  // The peer end's name is taken on the host: IPAM is released, nothing is left.
  sh("ip link add ptpclash type veth peer name ptpclash-peer");
  auto taken = conf;
  taken["peerNetns"] = host_netns_path();
  taken["peerIfname"] = "ptpclash";
  auto t = call("berth-ptp", "ADD", ns2, "c2", taken);
  REQUIRE(t.exit_code != 0);
  REQUIRE(leases("fail") == 1);
  REQUIRE(sh_in(ns2, "ip -o link show eth0 2>/dev/null").empty());
}

// Issue 14's class in berth-ptp: the container end's only on-link neighbour is its gateway
// (a /32; the subnet goes through it), so a route via another address of the subnet was
// refused by the kernel at the route step (code 100, "Nexthop has invalid gateway").
TEST_CASE("ptp: a route via a gw that is not the gateway is code 7 before the pair is made") {
  auto ns = make_netns("c1");
  auto conf = ptp_conf("rtgw", "10.105.0.0/24");
  conf["ipam"]["routes"] = json::array({{{"dst", "192.168.0.0/16"}, {"gw", "10.105.0.9"}}});
  auto r = call("berth-ptp", "ADD", ns, "c1", conf);
  INFO(r.out << r.err);
  REQUIRE(r.exit_code != 0);
  REQUIRE(r.json["code"] == 7);
  REQUIRE(contains(r.json["msg"].get<std::string>(), "routes[0].gw `10.105.0.9`"));
  REQUIRE(veths().empty());
  REQUIRE(leases("rtgw") == 0);
  REQUIRE(sh_in(ns, "ip -o link show eth0 2>/dev/null").empty());
}

// A gateway outside the subnet is how routed setups (Calico's 169.254.1.1) wire ptp; the
// IPAM plugin accepts it (as host-local does) and the container reaches it on the link.
TEST_CASE("ptp: a gateway outside the subnet works, routes via it too") {
  auto ns = make_netns("c1");
  auto conf = ptp_conf("gwout", "10.106.0.0/24");
  conf["ipam"]["gateway"] = "169.254.1.1";
  conf["ipam"]["routes"] = json::array({{{"dst", "0.0.0.0/0"}}, {{"dst", "192.168.0.0/16"}, {"gw", "169.254.1.1"}}});
  auto r = call("berth-ptp", "ADD", ns, "c1", conf);
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  auto routes = sh_in(ns, "ip route show");
  REQUIRE(contains(routes, "default via 169.254.1.1 dev eth0"));
  REQUIRE(contains(routes, "192.168.0.0/16 via 169.254.1.1 dev eth0"));
  REQUIRE(ping(ns, "169.254.1.1"));
  REQUIRE(call("berth-ptp", "DEL", ns, "c1", conf).exit_code == 0);
}
