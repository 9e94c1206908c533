// berth driven by libcni, the library every real CNI runtime (cnitool, containerd's
// go-cni, podman's CNI backend) is built on. Debian's golang-github-appc-cni-dev 1.1.2
// ships libcni (spec <= 1.0.0) but not cnitool, so the test builds libcni_client.go, a
// cnitool-like driver, with golang-go, offline. Without them it warns and skips.
#include <fstream>
#include <string>

#include <catch2/catch.hpp>

#include "tests/netns/go_tools.h"
#include "tests/netns/modes_helpers.h"

using namespace berth::test;

namespace {

// Builds the driver once per test process; "" when Go or libcni is missing.
std::string client() {
  return go_tool("libcni_client.go", "/usr/share/gocode/src/github.com/containernetworking/cni/libcni",
                 "golang-go golang-github-appc-cni-dev");
}

struct Libcni {
  std::string confdir = temp_dir();
  std::string plugins;  // CNI_PATH

  void conflist(const json& list) {
    std::ofstream(confdir + "/" + list["name"].get<std::string>() + ".conflist") << list.dump(2);
  }
  // Runs `cmd` as a runtime would; returns stdout, `rc` gets the exit status.
  std::string run(const std::string& cmd, const std::string& net, const std::string& netns, int* rc,
                  const std::string& extra_env = "") {
    return sh("NETCONFPATH=" + confdir + " CNI_PATH=" + plugins + " CNI_CONTAINERID=ctr1 " + extra_env + " " +
                  client() + " " + cmd + " " + net + " " + netns + " 2>&1",
              rc);
  }
};

json bridge_list(bool disable_check = false) {
  json l = {{"cniVersion", "1.0.0"},
            {"name", "lnet"},
            {"plugins",
             {{{"type", "berth-bridge"}, {"bridge", "br-lnet"}, {"isGateway", true}, {"isDefaultGateway", true},
               {"ipMasq", true}, {"capabilities", {{"mac", true}}},
               {"ipam", {{"type", "berth-ipam"}, {"subnet", "10.130.0.0/24"}}}}}}};
  if (disable_check) l["disableCheck"] = true;
  return l;
}

}  // namespace

TEST_CASE("libcni: loopback (berth-none) then berth-bridge + berth-ipam: add, check, del") {
  if (client().empty()) return;
  Libcni cni;
  // The plugin dir a runtime would have: berth's binaries and `loopback` -> berth-none.
  auto dir = temp_dir();
  sh("ln -s " + bin_dir() + "/* " + dir + "/ && ln -s " + bin_dir() + "/berth-none " + dir + "/loopback");
  cni.plugins = dir;
  cni.conflist({{"cniVersion", "0.3.1"}, {"name", "cni-loopback"}, {"plugins", {{{"type", "loopback"}}}}});
  cni.conflist(bridge_list());
  auto ns = make_netns("pod");
  sh_in(ns, "ip link set lo down");
  int rc = 1;
  auto v = cni.run("validate", "lnet", ns, &rc);
  INFO(v);
  REQUIRE(rc == 0);
  REQUIRE(contains(v, "mac"));
  auto lo = cni.run("add", "cni-loopback", ns, &rc, "CNI_IFNAME=lo");
  INFO(lo);
  REQUIRE(rc == 0);
  REQUIRE(contains(sh_in(ns, "ip -o link show lo"), "UP"));
  auto out = cni.run("add", "lnet", ns, &rc, "CAP_ARGS='{\"mac\":\"c2:11:22:33:44:55\"}'");
  INFO(out);
  REQUIRE(rc == 0);
  auto res = json::parse(out);
  REQUIRE(res["cniVersion"] == "1.0.0");
  REQUIRE(res["interfaces"][2]["mac"] == "c2:11:22:33:44:55");
  REQUIRE(res["ips"][0]["address"] == "10.130.0.2/24");
  REQUIRE(ping(ns, "10.130.0.1"));
  // libcni cached the result where DEL and CHECK will look for it.
  REQUIRE(contains(sh("cat /var/lib/cni/results/lnet-ctr1-eth0"), "10.130.0.2/24"));
  REQUIRE(cni.run("check", "lnet", ns, &rc).empty());
  REQUIRE(rc == 0);
  // A damaged attachment: CHECK through libcni reports it.
  sh_in(ns, "ip route del default");
  auto bad = cni.run("check", "lnet", ns, &rc);
  REQUIRE(rc != 0);
  REQUIRE(contains(bad, "route `0.0.0.0/0` is missing"));
  REQUIRE(cni.run("del", "lnet", ns, &rc).empty());
  REQUIRE(rc == 0);
  REQUIRE(sh_in(ns, "ip -o link show eth0 2>/dev/null").empty());
  REQUIRE(leases("lnet") == 0);
  REQUIRE(sh("ls /var/lib/cni/results/ 2>/dev/null | grep lnet").empty());
  // containerd's second DEL: no cache, empty netns.
  cni.run("del", "lnet", "''", &rc);
  REQUIRE(rc == 0);
  REQUIRE(cni.run("del", "cni-loopback", ns, &rc, "CNI_IFNAME=lo").empty());
  REQUIRE(rc == 0);
}

TEST_CASE("libcni: disableCheck is honoured by the runtime side (no CHECK reaches the plugin)") {
  if (client().empty()) return;
  Libcni cni;
  cni.plugins = bin_dir();
  cni.conflist(bridge_list(true));
  auto ns = make_netns("pod");
  int rc = 1;
  REQUIRE(json::parse(cni.run("add", "lnet", ns, &rc))["ips"].size() == 1);
  sh_in(ns, "ip route del default");
  cni.run("check", "lnet", ns, &rc);
  REQUIRE(rc == 0);
  cni.run("del", "lnet", ns, &rc);
  REQUIRE(rc == 0);
}

TEST_CASE("libcni: berth-ptp, berth-container, berth-host and berth-none conflists") {
  if (client().empty()) return;
  Libcni cni;
  cni.plugins = bin_dir();
  auto ns = make_netns("pod");
  cni.conflist({{"cniVersion", "1.0.0"}, {"name", "lptp"},
                {"plugins", {{{"type", "berth-ptp"}, {"ipam", {{"type", "berth-ipam"}, {"subnet", "10.131.0.0/24"}}}},
                             {{"type", "berth-none"}}}}});
  cni.conflist({{"cniVersion", "1.0.0"}, {"name", "ljoin"},
                {"plugins", {{{"type", "berth-container"}, {"container", "ctr0"}, {"targetNetns", ns}}}}});
  cni.conflist({{"cniVersion", "1.0.0"}, {"name", "lhost"},
                {"plugins", {{{"type", "berth-host"}, {"hostNetns", host_netns_path()}}}}});
  for (const char* net : {"lptp", "ljoin"}) {
    int rc = 1;
    auto out = cni.run("add", net, ns, &rc);
    INFO(net << ": " << out);
    REQUIRE(rc == 0);
    REQUIRE(cni.run("check", net, ns, &rc).empty());
    REQUIRE(rc == 0);
  }
  REQUIRE(ping(ns, "10.131.0.1"));
  int rc = 1;
  auto host = cni.run("add", "lhost", host_netns_path(), &rc);
  INFO(host);
  REQUIRE(rc == 0);
  REQUIRE(json::parse(host)["interfaces"][0]["name"] == "lo");
  REQUIRE(cni.run("add", "lhost", ns, &rc).find("not the host's network namespace") != std::string::npos);
  for (const char* net : {"ljoin", "lptp"}) {
    cni.run("del", net, ns, &rc);
    REQUIRE(rc == 0);
  }
  REQUIRE(sh("ip -o link show type veth").empty());
  REQUIRE(leases("lptp") == 0);
}
