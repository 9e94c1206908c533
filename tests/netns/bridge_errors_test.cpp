// Bad input to berth-bridge: the right CNI error code, a non-zero exit, nothing left.
#include <sys/wait.h>
#include <unistd.h>

#include <set>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "tests/netns/bridge_helpers.h"

using namespace berth::test;

namespace {

// Nothing of network `name` left: no veth, no lease, no masquerade element.
void require_no_residue(const std::string& name) {
  REQUIRE(host_veths().empty());
  REQUIRE(lease_count(name) == 0);
  REQUIRE(nft_elements().find(name) == std::string::npos);
}

}  // namespace

TEST_CASE("missing environment is code 4 and names the variables") {
  auto r = run_plugin("berth-bridge", {{"CNI_COMMAND", "ADD"}}, bridge_conf("env", "10.80.0.0/24").dump());
  REQUIRE(r.exit_code != 0);
  REQUIRE(r.json["code"] == 4);
  REQUIRE(r.json["msg"].get<std::string>().find("CNI_CONTAINERID,CNI_NETNS,CNI_IFNAME") != std::string::npos);
  auto u = run_plugin("berth-bridge", {{"CNI_COMMAND", "FROB"}}, "{}");
  REQUIRE(u.json["code"] == 4);
  REQUIRE(u.json["msg"] == "unknown CNI_COMMAND: FROB");
  auto id = cni("ADD", make_netns("c1"), "../../etc", bridge_conf("env", "10.80.0.0/24"));
  REQUIRE(id.json["code"] == 4);
  require_no_residue("env");
}

TEST_CASE("malformed JSON is code 6 / an unknown version code 1") {
  auto ns = make_netns("c1");
  auto r = run_plugin("berth-bridge",
                      {{"CNI_COMMAND", "ADD"}, {"CNI_CONTAINERID", "c1"}, {"CNI_NETNS", ns}, {"CNI_IFNAME", "eth0"}},
                      "{\"cniVersion\": \"1.1.0\", ");
  REQUIRE(r.exit_code != 0);
  REQUIRE(r.json["code"] == 6);
  auto v = cni("ADD", ns, "c1", bridge_conf("ver", "10.81.0.0/24", {{"cniVersion", "9.9.9"}}));
  REQUIRE(v.json["code"] == 1);
  REQUIRE(v.json["details"].get<std::string>().find("1.1.0") != std::string::npos);
  require_no_residue("ver");
}

TEST_CASE("a bad subnet is code 7 and leaves nothing behind") {
  auto ns = make_netns("c1");
  auto r = cni("ADD", ns, "c1", bridge_conf("bad", "10.82.0.0/33"));
  INFO(r.out);
  REQUIRE(r.exit_code != 0);
  REQUIRE(r.json["code"] == 7);
  require_no_residue("bad");
  REQUIRE(sh_in(ns, "ip -o link show eth0 2>/dev/null").empty());
}

TEST_CASE("a full range is an error and the veth is not made") {
  auto conf = bridge_conf("full", "10.83.0.0/30");  // one usable address: .2 (.1 is the gateway)
  auto a = make_netns("a");
  REQUIRE(cni("ADD", a, "a", conf).exit_code == 0);
  auto b = make_netns("b");
  auto r = cni("ADD", b, "b", conf);
  INFO(r.out);
  REQUIRE(r.exit_code != 0);
  if (ipam_type() == "berth-ipam") REQUIRE(r.json["code"] == 103);
  REQUIRE(sh_in(b, "ip -o link show eth0 2>/dev/null").empty());
  REQUIRE(lease_count("full") == 1);
  REQUIRE(cni("DEL", a, "a", conf).exit_code == 0);
  require_no_residue("full");
}

TEST_CASE("a duplicate ADD is refused and the first attachment keeps working") {
  auto ns = make_netns("c1");
  auto conf = bridge_conf("dup", "10.84.0.0/24");
  REQUIRE(cni("ADD", ns, "c1", conf).exit_code == 0);
  auto r = cni("ADD", ns, "c1", conf);
  REQUIRE(r.exit_code != 0);
  REQUIRE(r.json["code"] == 106);
  REQUIRE(lease_count("dup") == 1);
  int rc = 1;
  sh_in(ns, "ping -c1 -W2 10.84.0.1", &rc);
  REQUIRE(rc == 0);
}

TEST_CASE("an IPAM plugin that cannot be found rolls everything back") {
  auto ns = make_netns("c1");
  auto conf = bridge_conf("noipam", "10.85.0.0/24");
  conf["ipam"]["type"] = "no-such-ipam";
  auto r = cni("ADD", ns, "c1", conf);
  REQUIRE(r.exit_code != 0);
  REQUIRE(r.json["code"] == 104);
  require_no_residue("noipam");
}

TEST_CASE("a failure after IPAM releases the lease and deletes the veth") {
  auto ns = make_netns("c1");
  // The bridge name is taken by a non-bridge link: ADD fails after IPAM allocated.
  sh("ip link add br-late type veth peer name br-late-peer");
  auto r = cni("ADD", ns, "c1", bridge_conf("late", "10.86.0.0/24"));
  REQUIRE(r.exit_code != 0);
  REQUIRE(r.json["code"] == 7);
  REQUIRE(r.json["msg"].get<std::string>().find("not a bridge") != std::string::npos);
  REQUIRE(lease_count("late") == 0);
  REQUIRE(sh("ip -o link show type veth | grep -v br-late").empty());
}

TEST_CASE("the host's own namespace is refused") {
  auto r = cni("ADD", "/proc/self/ns/net", "c1", bridge_conf("self", "10.87.0.0/24"));
  REQUIRE(r.exit_code != 0);
  REQUIRE(r.json["code"] == 105);
  require_no_residue("self");
}

TEST_CASE("16 parallel ADDs never hand out the same address") {
  auto conf = bridge_conf("par", "10.88.0.0/24");
  std::vector<std::string> nss;
  for (int i = 0; i < 16; ++i) nss.push_back(make_netns("p" + std::to_string(i)));
  std::vector<PluginRun> runs(16);
  std::vector<std::thread> ts;
  for (int i = 0; i < 16; ++i)
    ts.emplace_back([&, i] { runs[i] = cni("ADD", nss[i], "p" + std::to_string(i), conf); });
  for (auto& t : ts) t.join();
  std::set<std::string> addrs;
  for (auto& r : runs) {
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    addrs.insert(r.json["ips"][0]["address"].get<std::string>());
  }
  REQUIRE(addrs.size() == 16);
  // And the kernel agrees: 16 distinct addresses on 16 eth0s.
  std::set<std::string> kernel;
  for (auto& n : nss) kernel.insert(sh_in(n, "ip -o -4 addr show eth0 | awk '{print $4}'"));
  REQUIRE(kernel.size() == 16);
}

TEST_CASE("without the privileges it needs ADD says which and leaves nothing") {
  auto ns = make_netns("c1");
  std::string conf = temp_dir() + "/nocap.json";
  sh("echo '" + bridge_conf("nocap", "10.89.0.0/24").dump() + "' > " + conf);
  std::string env = "CNI_COMMAND=ADD CNI_CONTAINERID=c1 CNI_NETNS=" + ns + " CNI_IFNAME=eth0 CNI_PATH=" + bin_dir() + " ";
  // No capabilities at all: entering the container's namespace is refused (code 105).
  // CAP_SYS_ADMIN but not CAP_NET_ADMIN: creating the bridge is refused (code 100).
  for (auto [caps, code] : {std::pair{std::string("-all"), 105}, {"-all,+sys_admin,+dac_override", 100}}) {
    INFO("bounding set " << caps);
    int rc = 0;
    auto out = sh(env + "setpriv --inh-caps=-all --bounding-set=" + caps + " " + bin_dir() + "/berth-bridge < " +
                      conf + " 2>/dev/null",
                  &rc);
    INFO(out);
    REQUIRE(rc != 0);
    auto j = json::parse(out);
    REQUIRE(j["code"] == code);
    REQUIRE(j["msg"].get<std::string>().find("Operation not permitted") != std::string::npos);
    REQUIRE(j["details"].get<std::string>().find("CAP_NET_ADMIN") != std::string::npos);
    require_no_residue("nocap");
    REQUIRE(sh("ip -o link show br-nocap 2>/dev/null").empty());
  }
}

namespace {

// What a user would compare to see that a refused ADD changed nothing: links, addresses,
// routes, the whole nftables ruleset and the IPAM store.
std::string host_state() {
  return sh("ip -o link show; ip -o addr show; ip route show; ip -6 route show; nft list ruleset; "
            "find /var/lib/cni 2>/dev/null | sort");
}

// ADD refused with code 7 whose msg names `field`, and the host exactly as before.
void require_refused_untouched(const std::string& ns, const json& conf, const std::string& field) {
  const auto before = host_state();
  auto r = cni("ADD", ns, "c1", conf);
  INFO(r.out << r.err);
  REQUIRE(r.exit_code != 0);
  REQUIRE(r.json["code"] == 7);
  REQUIRE_THAT(r.json["msg"].get<std::string>(), Catch::Contains(field));
  REQUIRE(host_state() == before);
  REQUIRE(sh("ip -o link show " + conf["bridge"].get<std::string>() + " 2>/dev/null").empty());
  REQUIRE(sh_in(ns, "ip -o link show eth0 2>/dev/null").empty());
}

json with_ranges(json conf, const std::string& ipam, json ranges) {
  conf["ipam"] = {{"type", ipam}, {"ranges", ranges}};
  if (ipam == "host-local") conf["cniVersion"] = "1.0.0";  // Debian's host-local: <= 1.0.0
  return conf;
}

}  // namespace

// Issue 14: a gateway outside its subnet got as far as the container's default route
// (code 100 "add route 0.0.0.0/0 via 10.9.9.1") and left the bridge behind, with the
// gateway address on it. Both berth-ipam and host-local accept such a range (berth-ptp can
// use it); berth-bridge cannot, and must say so before making anything.
TEST_CASE("a range's gateway outside its subnet is code 7 and nothing is made") {
  auto ns = make_netns("c1");
  for (const std::string ipam : {"berth-ipam", "host-local"}) {
    INFO(ipam);
    auto conf = with_ranges(bridge_conf("gwout", "10.90.0.0/24"), ipam,
                            json::array({json::array({{{"subnet", "10.90.0.0/24"}, {"gateway", "10.9.9.1"}}})}));
    require_refused_untouched(ns, conf, "ipam.ranges[0][0].gateway `10.9.9.1`");
    // The second range of a set, and the legacy top-level form.
    conf["ipam"]["ranges"] = json::array({json::array(
        {{{"subnet", "10.90.0.0/24"}}, {{"subnet", "10.90.1.0/24"}, {"gateway", "10.90.0.1"}}})});
    require_refused_untouched(ns, conf, "ipam.ranges[0][1].gateway `10.90.0.1`");
    conf["ipam"].erase("ranges");
    conf["ipam"]["subnet"] = "10.90.0.0/24";
    conf["ipam"]["gateway"] = "10.9.9.1";
    require_refused_untouched(ns, conf, "ipam.gateway `10.9.9.1`");
  }
}

TEST_CASE("a route via a gw on no range's subnet is code 7 and nothing is made") {
  auto ns = make_netns("c1");
  for (const std::string ipam : {"berth-ipam", "host-local"}) {
    INFO(ipam);
    auto conf = with_ranges(bridge_conf("rtgw", "10.91.0.0/24"), ipam,
                            json::array({json::array({{{"subnet", "10.91.0.0/24"}}})}));
    conf["ipam"]["routes"] = json::array({{{"dst", "0.0.0.0/0"}}, {{"dst", "192.168.0.0/16"}, {"gw", "172.16.0.1"}}});
    require_refused_untouched(ns, conf, "ipam.routes[1].gw `172.16.0.1`");
  }
}

TEST_CASE("a config error berth-ipam sees is code 7 and nothing is made") {
  auto ns = make_netns("c1");
  const json set = json::array({{{"subnet", "10.92.0.0/24"}}});
  auto conf = bridge_conf("cfg7", "10.92.0.0/24");
  const struct {
    json ranges;
    const char* field;
  } cases[] = {
      {json::array({json::array({{{"subnet", "10.92.0.0/24"}, {"rangeStart", "10.93.0.1"}}})}), "ipam.ranges[0][0].rangeStart"},
      {json::array({json::array({{{"subnet", "10.92.0.0/24"}, {"rangeEnd", "10.93.0.1"}}})}), "ipam.ranges[0][0].rangeEnd"},
      {json::array({json::array({{{"subnet", "10.92.0.0/24"}, {"rangeStart", "10.92.0.9"}, {"rangeEnd", "10.92.0.5"}}})}),
       "ipam.ranges[0][0].rangeEnd"},
      {json::array({json::array({{{"subnet", "10.92.0.0/24"}}, {{"subnet", "10.92.0.0/16"}}})}), "ipam.ranges[0][1].subnet"},
      {json::array({set, json::array({{{"subnet", "10.92.0.128/25"}}})}), "ipam.ranges[1] `10.92.0.128/25`"},
  };
  for (const auto& c : cases) {
    INFO(c.field);
    require_refused_untouched(ns, with_ranges(conf, "berth-ipam", c.ranges), c.field);
  }
}

// The result of an IPAM plugin berth cannot read the config of (static) is checked as soon
// as it arrives, before the bridge: refused, and the lease (if the plugin keeps one) released.
TEST_CASE("an IPAM result with a gateway off its subnet is code 7 and nothing is made") {
  if (access("/usr/lib/cni/static", X_OK) != 0) {
    WARN("Debian's reference `static` IPAM is not installed: skipped");
    return;
  }
  auto ns = make_netns("c1");
  auto conf = bridge_conf("stgw", "10.94.0.0/24", {{"cniVersion", "1.0.0"}});
  conf["ipam"] = {{"type", "static"}, {"addresses", json::array({{{"address", "10.94.0.5/24"}, {"gateway", "10.9.9.1"}}})}};
  require_refused_untouched(ns, conf, "ips[0].gateway `10.9.9.1`");
  conf["ipam"]["addresses"][0]["gateway"] = "10.94.0.1";
  conf["ipam"]["routes"] = json::array({{{"dst", "192.168.0.0/16"}, {"gw", "172.16.0.1"}}});
  require_refused_untouched(ns, conf, "routes[0].gw `172.16.0.1`");
}

// Issue 14: `ipam` without `type` was read as L2-only and ADD succeeded with no addresses.
TEST_CASE("an ipam object without a type is code 7 naming the known types, an empty one is L2-only") {
  auto ns = make_netns("c1");
  auto conf = bridge_conf("notype", "10.95.0.0/24");
  conf["ipam"].erase("type");
  const auto before = host_state();
  auto r = cni("ADD", ns, "c1", conf);
  INFO(r.out << r.err);
  REQUIRE(r.exit_code != 0);
  REQUIRE(r.json["code"] == 7);
  REQUIRE_THAT(r.json["msg"].get<std::string>(), Catch::Contains("ipam.type"));
  REQUIRE_THAT(r.json["details"].get<std::string>(), Catch::Contains("berth-ipam") && Catch::Contains("host-local"));
  REQUIRE(host_state() == before);
  conf["ipam"]["type"] = "";
  REQUIRE(cni("ADD", ns, "c1", conf).json["code"] == 7);
  REQUIRE(host_state() == before);
  // DEL of such a config (an attachment an older berth made L2-only) still succeeds.
  REQUIRE(cni("DEL", ns, "c1", conf).exit_code == 0);

  // The reference's L2-only form: an empty ipam (or none) gives an interface, no address.
  conf["ipam"] = json::object();
  auto l2 = cni("ADD", ns, "c1", conf);
  INFO(l2.out << l2.err);
  REQUIRE(l2.exit_code == 0);
  REQUIRE_FALSE(l2.json.contains("ips"));
  REQUIRE(sh_in(ns, "ip -o -4 addr show eth0").empty());
  REQUIRE(cni("DEL", ns, "c1", conf).exit_code == 0);
}
