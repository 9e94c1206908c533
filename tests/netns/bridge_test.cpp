// berth-bridge in a throwaway host: what a user checks after ADD, DEL, CHECK and GC.
#include <catch2/catch.hpp>

#include "tests/netns/bridge_helpers.h"

using namespace berth::test;

TEST_CASE("ADD gives eth0 the address / a Docker-style MAC and a default route") {
  auto ns = make_netns("c1");
  auto conf = bridge_conf("web", "10.90.0.0/24");
  auto r = cni("ADD", ns, "c1", conf);
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  REQUIRE(r.json["cniVersion"] == conf["cniVersion"]);
  REQUIRE(r.json["ips"][0]["address"] == "10.90.0.2/24");
  REQUIRE(r.json["ips"][0]["gateway"] == "10.90.0.1");
  REQUIRE(r.json["ips"][0]["interface"] == 2);
  REQUIRE(r.json["interfaces"][2]["name"] == "eth0");
  REQUIRE(r.json["interfaces"][2]["sandbox"] == ns);
  REQUIRE(r.json["interfaces"][2]["mac"] == "02:42:0a:5a:00:02");
  REQUIRE(r.json["interfaces"][0]["name"] == "br-web");

  auto eth0 = sh_in(ns, "ip -o addr show dev eth0");
  REQUIRE(eth0.find("inet 10.90.0.2/24 brd 10.90.0.255") != std::string::npos);
  REQUIRE(sh_in(ns, "cat /sys/class/net/eth0/address 2>/dev/null; ip -o link show eth0").find("02:42:0a:5a:00:02") !=
          std::string::npos);
  REQUIRE(sh_in(ns, "ip route show default").find("default via 10.90.0.1 dev eth0") != std::string::npos);
  REQUIRE(sh("ip -o addr show dev br-web").find("inet 10.90.0.1/24") != std::string::npos);
  REQUIRE(sh("cat /proc/sys/net/ipv4/ip_forward") == "1\n");
  auto veth = r.json["interfaces"][1]["name"].get<std::string>();
  REQUIRE(sh("ip -o link show " + veth).find("master br-web") != std::string::npos);
  int rc = 1;
  sh_in(ns, "ping -c1 -W2 10.90.0.1", &rc);
  REQUIRE(rc == 0);
  // An IPv4-only network: no IPv6 link-local address in the container either (Docker's
  // behaviour), so no DAD, RS or MLD packets flooded to the bridge's other ports.
  CHECK(sh_in(ns, "ip -6 -o addr show dev eth0").empty());
}

TEST_CASE("two containers on one bridge reach each other and the gateway") {
  auto a = make_netns("a");
  auto b = make_netns("b");
  auto conf = bridge_conf("pair", "10.91.0.0/24");
  REQUIRE(cni("ADD", a, "ctr-a", conf).exit_code == 0);
  auto rb = cni("ADD", b, "ctr-b", conf);
  REQUIRE(rb.exit_code == 0);
  REQUIRE(rb.json["ips"][0]["address"] == "10.91.0.3/24");
  int rc = 1;
  sh_in(a, "ping -c1 -W2 10.91.0.3", &rc);
  REQUIRE(rc == 0);
  sh_in(b, "ping -c1 -W2 10.91.0.2", &rc);
  REQUIRE(rc == 0);
  sh_in(b, "ping -c1 -W2 10.91.0.1", &rc);
  REQUIRE(rc == 0);
  // A TCP connection too, not just ICMP; the peer is seen with its own address.
  tcp_serve_once(b, 8080, "hi");
  REQUIRE(tcp_request(a, "10.91.0.3", 8080) == "hi 10.91.0.2");
}

TEST_CASE("DEL leaves no link / lease or rule behind and ADD works again") {
  auto ns = make_netns("c1");
  auto conf = bridge_conf("clean", "10.92.0.0/24");
  auto r = cni("ADD", ns, "c1", conf);
  REQUIRE(r.exit_code == 0);
  REQUIRE(lease_count("clean") == 1);
  REQUIRE_FALSE(host_veths().empty());
  REQUIRE(cni("DEL", ns, "c1", conf).exit_code == 0);
  REQUIRE(host_veths().empty());
  REQUIRE(sh_in(ns, "ip -o link show eth0 2>/dev/null").empty());
  REQUIRE(lease_count("clean") == 0);
  REQUIRE(nft_elements().find("10.92.0.2") == std::string::npos);
  // DEL is idempotent.
  REQUIRE(cni("DEL", ns, "c1", conf).exit_code == 0);
  auto again = cni("ADD", ns, "c1", conf);
  INFO(again.out);
  REQUIRE(again.exit_code == 0);
}

TEST_CASE("DEL with the netns gone or unnamed still releases the lease") {
  auto ns = make_netns("gone");
  auto conf = bridge_conf("gone", "10.93.0.0/24");
  REQUIRE(cni("ADD", ns, "c1", conf).exit_code == 0);
  delete_netns(ns);
  REQUIRE(cni("DEL", ns, "c1", conf).exit_code == 0);
  REQUIRE(lease_count("gone") == 0);
  REQUIRE(host_veths().empty());
  // containerd's second DEL: empty CNI_NETNS, no prevResult.
  REQUIRE(cni("DEL", "", "c1", conf).exit_code == 0);
}

TEST_CASE("CHECK passes after ADD and names what was tampered with") {
  auto ns = make_netns("c1");
  auto conf = bridge_conf("chk", "10.94.0.0/24");
  auto r = cni("ADD", ns, "c1", conf);
  REQUIRE(r.exit_code == 0);
  auto with_prev = conf;
  with_prev["prevResult"] = r.json;
  auto ok = cni("CHECK", ns, "c1", with_prev);
  INFO(ok.out << ok.err);
  REQUIRE(ok.exit_code == 0);
  REQUIRE(ok.out.empty());
  sh_in(ns, "ip addr del 10.94.0.2/24 dev eth0");
  auto bad = cni("CHECK", ns, "c1", with_prev);
  REQUIRE(bad.exit_code != 0);
  REQUIRE(bad.json["code"] == 108);
  REQUIRE(bad.json["details"].get<std::string>().find("10.94.0.2/24") != std::string::npos);
  auto no_prev = cni("CHECK", ns, "c1", conf);
  REQUIRE(no_prev.exit_code != 0);
}

TEST_CASE("results follow the config's cniVersion") {
  auto ns = make_netns("c1");
  auto conf = bridge_conf("ver", "10.95.0.0/24", {{"cniVersion", "0.3.1"}});
  auto r = cni("ADD", ns, "c1", conf);
  REQUIRE(r.exit_code == 0);
  REQUIRE(r.json["cniVersion"] == "0.3.1");
  REQUIRE(r.json["ips"][0]["version"] == "4");
  auto ns2 = make_netns("c2");
  auto r2 = cni("ADD", ns2, "c2", bridge_conf("ver", "10.95.0.0/24", {{"cniVersion", "1.0.0"}}));
  REQUIRE(r2.exit_code == 0);
  REQUIRE_FALSE(r2.json["ips"][0].contains("version"));
}

TEST_CASE("dual stack: one address per family / both reachable") {
  auto a = make_netns("a");
  auto b = make_netns("b");
  auto conf = bridge_conf("dual", "10.96.0.0/24");
  conf["ipam"] = {{"type", ipam_type()},
                  {"ranges", json::array({json::array({{{"subnet", "10.96.0.0/24"}}}),
                                          json::array({{{"subnet", "fd00:96::/64"}}})})}};
  auto ra = cni("ADD", a, "a", conf);
  INFO(ra.out);
  REQUIRE(ra.exit_code == 0);
  REQUIRE(ra.json["ips"].size() == 2);
  REQUIRE(ra.json["ips"][1]["address"] == "fd00:96::2/64");
  REQUIRE(cni("ADD", b, "b", conf).exit_code == 0);
  REQUIRE(sh_in(a, "ip -6 route show default").find("via fd00:96::1") != std::string::npos);
  CHECK(sh_in(a, "ip -6 -o addr show dev eth0 scope link").find("inet6 fe80::") != std::string::npos);
  int rc = 1;
  sh_in(a, "ping -6 -c1 -W2 fd00:96::3", &rc);
  REQUIRE(rc == 0);
}

TEST_CASE("GC with no valid attachments removes every veth / lease and element") {
  auto a = make_netns("a");
  auto b = make_netns("b");
  auto conf = bridge_conf("gc", "10.97.0.0/24");
  REQUIRE(cni("ADD", a, "a", conf).exit_code == 0);
  REQUIRE(cni("ADD", b, "b", conf).exit_code == 0);
  auto keep = conf;
  keep["cni.dev/valid-attachments"] = json::array({{{"containerID", "b"}, {"ifname", "eth0"}}});
  keep["cniVersion"] = "1.1.0";  // GC needs 1.1.0
  auto r = run_plugin("berth-bridge", {{"CNI_COMMAND", "GC"}, {"CNI_PATH", bin_dir()}}, keep.dump());
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  REQUIRE(lease_count("gc") == 1);
  REQUIRE(sh_in(b, "ip -o addr show eth0").find("10.97.0.3") != std::string::npos);
  REQUIRE(sh_in(a, "ip -o link show eth0 2>/dev/null").empty());  // its veth is gone
  auto none = conf;
  none["cni.dev/valid-attachments"] = json::array();
  none["cniVersion"] = "1.1.0";
  REQUIRE(run_plugin("berth-bridge", {{"CNI_COMMAND", "GC"}}, none.dump()).exit_code == 0);
  REQUIRE(lease_count("gc") == 0);
  REQUIRE(host_veths().empty());
  REQUIRE(sh("nft list tables").empty());
}

TEST_CASE("GC of one network leaves the veths of another network on the same bridge") {
  // Two conflists on one bridge (as a conflist without `bridge` shares berth0 with the
  // runtime's default network): GC of the first, with nothing valid, must not cut the
  // second's container off.
  auto a = make_netns("a");
  auto b = make_netns("b");
  auto one = bridge_conf("gcone", "10.97.10.0/24", {{"bridge", "br-shared"}});
  auto two = bridge_conf("gctwo", "10.97.11.0/24", {{"bridge", "br-shared"}});
  REQUIRE(cni("ADD", a, "a", one).exit_code == 0);
  REQUIRE(cni("ADD", b, "b", two).exit_code == 0);
  one["cni.dev/valid-attachments"] = json::array();
  one["cniVersion"] = "1.1.0";
  auto r = run_plugin("berth-bridge", {{"CNI_COMMAND", "GC"}, {"CNI_PATH", bin_dir()}}, one.dump());
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(sh_in(a, "ip -o link show eth0 2>/dev/null").empty());  // the first's veth is gone
  CHECK(sh_in(b, "ip -o link show eth0 2>/dev/null").find("eth0") != std::string::npos);
  int rc = 1;
  sh_in(b, "ping -c1 -W1 10.97.11.1 >/dev/null", &rc);
  CHECK(rc == 0);  // and the second's container still reaches its gateway
  CHECK(lease_count("gctwo") == 1);
}

TEST_CASE("vlan: ports of one VLAN talk / other VLANs on the same bridge do not") {
  auto a = make_netns("a");
  auto b = make_netns("b");
  auto c = make_netns("c");
  auto v10 = bridge_conf("v10", "10.98.0.0/24", {{"bridge", "br-vlan"}, {"vlan", 10}});
  auto v20 = bridge_conf("v20", "10.98.1.0/24", {{"bridge", "br-vlan"}, {"vlan", 20}, {"isGateway", false},
                                                 {"isDefaultGateway", false}, {"ipMasq", false}});
  int supported = 1;
  sh("ip link add vlantest type bridge && ip link set vlantest type bridge vlan_filtering 1 2>/dev/null", &supported);
  sh("ip link del vlantest");
  if (supported != 0) {
    // This kernel lacks CONFIG_BRIDGE_VLAN_FILTERING: ADD must say so and leave nothing.
    WARN("kernel without bridge VLAN filtering: checking the error path only");
    auto r = cni("ADD", a, "a", v10);
    REQUIRE(r.json["code"] == 2);
    REQUIRE(r.json["details"].get<std::string>().find("CONFIG_BRIDGE_VLAN_FILTERING") != std::string::npos);
    REQUIRE(host_veths().empty());
    REQUIRE(lease_count("v10") == 0);
    return;
  }
  REQUIRE(cni("ADD", a, "a", v10).exit_code == 0);
  REQUIRE(cni("ADD", b, "b", v10).exit_code == 0);
  auto rc_add = cni("ADD", c, "c", v20);
  INFO(rc_add.out);
  REQUIRE(rc_add.exit_code == 0);
  REQUIRE(sh("cat /sys/class/net/br-vlan/bridge/vlan_filtering 2>/dev/null; ip -d link show br-vlan")
              .find("vlan_filtering 1") != std::string::npos);
  int rc = 1;
  sh_in(a, "ping -c1 -W2 10.98.0.3", &rc);  // same VLAN
  REQUIRE(rc == 0);
  sh_in(a, "ping -c1 -W2 10.98.0.1", &rc);  // the gateway is in VLAN 10 too
  REQUIRE(rc == 0);
  // c (VLAN 20) gets an address of a's subnet: only the VLAN separates them.
  sh_in(c, "ip addr add 10.98.0.50/24 dev eth0");
  sh_in(c, "ping -c1 -W1 10.98.0.2", &rc);
  REQUIRE(rc != 0);
}

TEST_CASE("a second network as eth1 leaves eth0's default route alone") {
  auto ns = make_netns("c1");
  REQUIRE(cni("ADD", ns, "c1", bridge_conf("first", "10.70.0.0/24")).exit_code == 0);
  auto conf2 = bridge_conf("second", "10.71.0.0/24");
  auto r = cni("ADD", ns, "c1", conf2, "eth1");
  INFO(r.out);
  REQUIRE(r.exit_code == 0);
  REQUIRE(sh_in(ns, "ip route show default").find("via 10.70.0.1 dev eth0") != std::string::npos);
  REQUIRE(r.json.value("routes", json::array()).empty());  // it added no default route
  auto prev = conf2;
  prev["prevResult"] = r.json;
  REQUIRE(cni("CHECK", ns, "c1", prev, "eth1").exit_code == 0);
  int rc = 1;
  sh_in(ns, "ping -c1 -W2 10.71.0.1", &rc);
  REQUIRE(rc == 0);
}
