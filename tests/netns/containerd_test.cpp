// A pod sandbox's network the way containerd's CRI plugin sets it up: through
// containerd's go-cni library, with the `cni-loopback` network (type `loopback` =
// berth-none) first, then the conflist (berth-bridge + berth-ipam + reference portmap),
// K8S_* args and capitalised port-mapping keys; removed twice as stopp then rmp do.
// containerd itself, driven over CRI, is run in cluster_cri_test.cpp (plugins/none/README.md).
#include <fstream>

#include <catch2/catch.hpp>

#include "tests/netns/go_tools.h"
#include "tests/netns/modes_helpers.h"

using namespace berth::test;

TEST_CASE("containerd (go-cni): loopback + berth-bridge + portmap: setup, check, remove twice") {
  auto gocni = go_tool("gocni_client.go", "/usr/share/gocode/src/github.com/containerd/go-cni",
                       "golang-go golang-github-containerd-go-cni-dev");
  if (gocni.empty()) return;
  if (!have_reference("portmap")) {
    WARN("Debian's reference portmap is not installed: skipped");
    return;
  }
  // The plugin dir of a node: berth's binaries, `loopback` -> berth-none, portmap.
  auto bin = temp_dir();
  sh("ln -s " + bin_dir() + "/* " + bin + "/ && ln -s " + bin_dir() + "/berth-none " + bin + "/loopback && ln -s " +
     ref("portmap") + " " + bin + "/portmap");
  auto conf = temp_dir();
  json list = {{"cniVersion", "1.0.0"},
               {"name", "k8s-pod-network"},
               {"plugins",
                {{{"type", "berth-bridge"}, {"bridge", "cni0"}, {"isGateway", true}, {"isDefaultGateway", true},
                  {"ipMasq", true}, {"ipam", {{"type", "berth-ipam"}, {"subnet", "10.140.0.0/24"}}}},
                 {{"type", "portmap"}, {"capabilities", {{"portMappings", true}}}}}}};
  std::ofstream(conf + "/10-berth.conflist") << list.dump(2);
  auto ns = make_netns("cni-1f3c");
  sh_in(ns, "ip link set lo down");
  std::string env = "NETCONFPATH=" + conf + " CNI_PATH=" + bin + " ";
  const std::string id = "4f1c0e2a9b7d4c11a3e5f6a7b8c9d0e14f1c0e2a9b7d4c11a3e5f6a7b8c9d0e1";
  int rc = 1;
  auto out = sh(env + gocni + " setup " + id + " " + ns + " 2>&1", &rc);
  INFO(out);
  REQUIRE(rc == 0);
  auto res = json::parse(out);
  REQUIRE(res["lo"] == json({"127.0.0.1", "::1"}));
  REQUIRE(res["eth0"] == json({"10.140.0.2"}));
  REQUIRE(contains(sh_in(ns, "ip -o link show lo"), "UP"));
  // The pod answers on its address and through the host port portmap published.
  tcp_serve_once(ns, 80, "pod");
  REQUIRE(tcp_request(host_netns_path(), "10.140.0.1", 18080) == "pod 10.140.0.1");
  // go-cni's Check cannot work with the CRI's loopback network: libcni refuses CHECK
  // for its cniVersion 0.3.1 before any plugin runs (containerd never sends CHECK).
  auto chk = sh(env + gocni + " check " + id + " " + ns + " 2>&1", &rc);
  REQUIRE(rc != 0);
  REQUIRE(contains(chk, "configuration version \"0.3.1\" does not support the CHECK command"));
  // StopPodSandbox, then RemovePodSandbox with the netns already gone.
  REQUIRE(sh(env + gocni + " remove " + id + " " + ns + " 2>&1", &rc).empty());
  REQUIRE(rc == 0);
  delete_netns(ns);
  auto second = sh(env + gocni + " remove " + id + " '' 2>&1", &rc);
  INFO(second);
  REQUIRE(rc == 0);
  REQUIRE(sh("ip -o link show type veth").empty());
  REQUIRE(leases("k8s-pod-network") == 0);
  REQUIRE_FALSE(contains(sh("iptables -t nat -S"), "10.140.0.2"));
}
