// Chaining with Debian's reference plugins (containernetworking-plugins 1.1.1, spec
// <= 1.0.0): berth-bridge's result feeds tuning, portmap and firewall, and berth
// plugins take the reference plugins' results as prevResult.
#include <catch2/catch.hpp>

#include "tests/netns/modes_helpers.h"

using namespace berth::test;

namespace {

bool have_all(std::initializer_list<const char*> names) {
  for (const char* n : names)
    if (!have_reference(n)) {
      WARN("Debian's reference plugin `" << n << "` is not in /usr/lib/cni (package containernetworking-plugins): skipped");
      return false;
    }
  return true;
}

// One entry of a conflist turned into a plugin's stdin, as libcni does.
json entry(const std::string& type, json extra, const json& prev = nullptr) {
  json c = {{"cniVersion", "1.0.0"}, {"name", "chain"}, {"type", type}};
  c.update(extra);
  if (!prev.is_null()) c["prevResult"] = prev;
  return c;
}

// Go's 1.0.0 result type prints an empty "dns": {}, berth's omits it: same result.
json without_empty_dns(json r) {
  if (r.contains("dns") && r["dns"].empty()) r.erase("dns");
  return r;
}

std::string plugin_path(const std::string& type) { return type.rfind("berth-", 0) == 0 ? type : ref(type); }

}  // namespace

TEST_CASE("chain: berth-bridge -> reference tuning, portmap, firewall: ADD, CHECK, DEL") {
  if (!have_all({"tuning", "portmap", "firewall"})) return;
  auto ns = make_netns("c1");
  std::vector<json> chain = {
      entry("berth-bridge", {{"bridge", "br-chain"}, {"isGateway", true}, {"isDefaultGateway", true},
                             {"ipam", {{"type", "berth-ipam"}, {"subnet", "10.120.0.0/24"}}}}),
      entry("tuning", {{"sysctl", {{"net.core.somaxconn", "512"}}}}),
      entry("portmap", {{"capabilities", {{"portMappings", true}}},
                        {"runtimeConfig", {{"portMappings", {{{"hostPort", 8080}, {"containerPort", 80}, {"protocol", "tcp"}}}}}}}),
      entry("firewall", {{"backend", "iptables"}}),
  };
  // ADD in order, each plugin getting the previous one's output, as a runtime does.
  json prev = nullptr;
  for (auto& c : chain) {
    if (!prev.is_null()) c["prevResult"] = prev;
    auto r = call(plugin_path(c["type"]), "ADD", ns, "c1", c);
    INFO(c["type"] << ": " << r.out << r.err);
    REQUIRE(r.exit_code == 0);
    REQUIRE(r.json["ips"][0]["address"] == "10.120.0.2/24");
    prev = r.json;
  }
  // Each reference plugin did its job on berth's attachment.
  REQUIRE(sh_in(ns, "cat /proc/sys/net/core/somaxconn") == "512\n");
  REQUIRE(contains(sh("iptables -t nat -S"), "--to-destination 10.120.0.2:80"));
  REQUIRE(contains(sh("iptables -S CNI-FORWARD"), "-s 10.120.0.2/32 -j ACCEPT"));
  tcp_serve_once(ns, 80, "mapped");
  REQUIRE(tcp_request(host_netns_path(), "10.120.0.1", 8080) == "mapped 10.120.0.1");

  // CHECK in order with the final result, as libcni does (portmap is left out: Debian's
  // 1.1.1 portmap CHECK looks for its IPv6 chain even when the attachment has no IPv6
  // address, and fails with "chain CNI-DN-... not found in iptables table nat").
  for (auto c : chain) {
    if (c["type"] == "portmap") continue;
    c["prevResult"] = prev;
    auto r = call(plugin_path(c["type"]), "CHECK", ns, "c1", c);
    INFO(c["type"] << ": " << r.out << r.err);
    REQUIRE(r.exit_code == 0);
  }
  // DEL in reverse order, with the cached result.
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    auto c = *it;
    c["prevResult"] = prev;
    auto r = call(plugin_path(c["type"]), "DEL", ns, "c1", c);
    INFO(c["type"] << ": " << r.out << r.err);
    REQUIRE(r.exit_code == 0);
  }
  REQUIRE_FALSE(contains(sh("iptables -t nat -S"), "10.120.0.2"));
  REQUIRE(sh_in(ns, "ip -o link show eth0 2>/dev/null").empty());
  REQUIRE(leases("chain") == 0);
}

TEST_CASE("chain: berth plugins take reference bridge and ptp results as prevResult") {
  if (!have_all({"bridge", "ptp", "host-local"})) return;
  auto ns = make_netns("c1");
  auto br = call(ref("bridge"), "ADD", ns, "c1",
                 entry("bridge", {{"bridge", "refbr0"}, {"isGateway", true},
                                  {"ipam", {{"type", "host-local"}, {"subnet", "10.121.0.0/24"}}}}));
  INFO(br.out << br.err);
  REQUIRE(br.exit_code == 0);
  auto pt = call(ref("ptp"), "ADD", ns, "c1",
                 entry("ptp", {{"ipam", {{"type", "host-local"}, {"subnet", "10.122.0.0/24"}}}}), "eth1");
  INFO(pt.out << pt.err);
  REQUIRE(pt.exit_code == 0);
  for (const auto& prev : {br.json, pt.json}) {
    // berth-none as a chained plugin: output = prevResult (it changes nothing shown).
    auto none = call("berth-none", "ADD", ns, "c1", entry("berth-none", json::object(), prev));
    INFO(none.out << none.err);
    REQUIRE(none.exit_code == 0);
    REQUIRE(without_empty_dns(none.json) == without_empty_dns(prev));
    REQUIRE(call("berth-none", "CHECK", ns, "c1", entry("berth-none", json::object(), prev)).exit_code == 0);
    // berth-container after the reference result, and berth-host on the host side.
    auto ctr = call("berth-container", "ADD", ns, "j1",
                    entry("berth-container", {{"container", "c1"}, {"targetNetns", ns}}, prev));
    INFO(ctr.out << ctr.err);
    REQUIRE(ctr.exit_code == 0);
    REQUIRE(without_empty_dns(ctr.json) == without_empty_dns(prev));
  }
  auto host = call("berth-host", "ADD", host_netns_path(), "h1",
                   entry("berth-host", {{"hostNetns", host_netns_path()}}, br.json));
  REQUIRE(host.exit_code == 0);
  REQUIRE(without_empty_dns(host.json) == without_empty_dns(br.json));
}

TEST_CASE("chain: berth-none answers containerd's loopback call exactly as the reference loopback") {
  if (!have_all({"loopback"})) return;
  auto a = make_netns("a");
  auto b = make_netns("b");
  sh_in(a, "ip link set lo down");
  sh_in(b, "ip link set lo down");
  json conf = {{"cniVersion", "0.3.1"}, {"name", "cni-loopback"}, {"type", "loopback"}};
  std::string args = "IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=p";
  auto theirs = call(ref("loopback"), "ADD", a, "sandbox1", conf, "lo", args);
  auto ours = call("berth-none", "ADD", b, "sandbox1", conf, "lo", args);
  INFO(theirs.out << ours.out << ours.err);
  REQUIRE(theirs.exit_code == 0);
  REQUIRE(ours.exit_code == 0);
  theirs.json["interfaces"][0]["sandbox"] = b;
  // One difference, on the reference's side: Debian's 1.1.1 loopback omits the
  // ips[].version that the 0.3.x spec requires; berth emits it.
  REQUIRE(ours.json["ips"][0]["version"] == "4");
  REQUIRE(ours.json["ips"][1]["version"] == "6");
  for (auto& ip : ours.json["ips"]) ip.erase("version");
  REQUIRE(ours.json == theirs.json);
  REQUIRE(sh_in(a, "ip -o link show lo") .substr(0, 10) == sh_in(b, "ip -o link show lo").substr(0, 10));
}
