// Config parsing of berth-container and berth-ptp: no kernel, no root. The plugins'
// config.cpp files are compiled in (modes_tests.cmake).
#include <catch2/catch.hpp>

#include "plugins/container/container.h"
#include "plugins/ptp/ptp.h"

using namespace berth;
using nlohmann::json;

namespace {

cni::Request request(json conf, const std::string& args = "", const std::string& id = "c1") {
  cni::Request r;
  r.env = {"ADD", id, "/run/netns/c1", "eth0", args, ""};
  r.config = std::move(conf);
  r.name = r.config.value("name", "");
  r.version = r.config.value("cniVersion", "1.1.0");
  return r;
}

json join_conf(json extra = json::object()) {
  json c = {{"cniVersion", "1.1.0"}, {"name", "joined"}, {"type", "berth-container"}};
  c.update(extra);
  return c;
}

json ptp_conf(json extra = json::object()) {
  json c = {{"cniVersion", "1.1.0"}, {"name", "p"}, {"type", "berth-ptp"}, {"ipam", {{"type", "berth-ipam"}}}};
  c.update(extra);
  return c;
}

}  // namespace

TEST_CASE("container config: target from CNI_ARGS wins over the config / BERTH_* need no IgnoreUnknown") {
  auto cfg = container::parse_config(
      request(join_conf({{"container", "cfg"}, {"targetNetns", "/run/netns/cfg"}}),
              "BERTH_CONTAINER=web;BERTH_TARGET_NETNS=/proc/42/ns/net;K8S_POD_NAME=x"),
      true);
  REQUIRE(cfg);
  REQUIRE(cfg->target == "web");
  REQUIRE(cfg->target_netns == "/proc/42/ns/net");
  REQUIRE(cfg->state_dir == container::kDefaultStateDir);
  auto from_conf = container::parse_config(request(join_conf({{"container", "cfg"}, {"targetNetns", "/run/netns/cfg"}})), true);
  REQUIRE(from_conf->target == "cfg");
}

TEST_CASE("container config: bad names and paths are refused before anything is touched") {
  auto code = [](const cni::Request& r, bool need) { return int(container::parse_config(r, need).error().code); };
  REQUIRE(code(request(join_conf(), "BERTH_CONTAINER=../x;BERTH_TARGET_NETNS=/run/netns/a"), true) == 4);
  REQUIRE(code(request(join_conf(), "BERTH_CONTAINER=a;BERTH_TARGET_NETNS=relative"), true) == 4);
  REQUIRE(code(request(join_conf(), "BERTH_CONTAINER=a;BERTH_TARGET_NETNS=/a;OTHER=1"), true) == 4);
  REQUIRE(code(request(join_conf({{"container", "a/b"}, {"targetNetns", "/a"}})), true) == 7);
  REQUIRE(code(request(join_conf({{"container", "a"}, {"targetNetns", "/a/../b"}})), true) == 7);
  REQUIRE(code(request(join_conf({{"container", "a"}, {"targetNetns", "/a"}, {"stateDir", "tmp"}})), true) == 7);
  REQUIRE(code(request(join_conf({{"container", 5}})), false) == 7);
  REQUIRE(code(request(join_conf()), true) == 7);  // no target at all
  REQUIRE(container::parse_config(request(join_conf()), false));  // DEL/GC need none
}

TEST_CASE("ptp config: peer end name, peerNetns/peerIfname, refused keys") {
  auto cfg = ptp::parse_config(request(ptp_conf()));
  REQUIRE(cfg);
  REQUIRE(cfg->peer_ifname == ptp::peer_end_name("c1", "eth0"));
  REQUIRE(cfg->peer_ifname.size() == 11);
  REQUIRE(cfg->peer_ifname.rfind("ptp", 0) == 0);
  REQUIRE(ptp::peer_end_name("c1", "eth0") != ptp::peer_end_name("c1", "eth1"));
  REQUIRE(ptp::peer_end_name("ab", "c") != ptp::peer_end_name("a", "bc"));
  auto peer = ptp::parse_config(request(ptp_conf({{"peerNetns", "/run/netns/b"}, {"peerIfname", "eth0"}, {"mtu", 1400}})));
  REQUIRE(peer);
  REQUIRE(peer->peer_netns == "/run/netns/b");
  REQUIRE(peer->peer_ifname == "eth0");
  REQUIRE(peer->mtu == 1400);
  auto code = [](json c) { return int(ptp::parse_config(request(std::move(c))).error().code); };
  REQUIRE(code(ptp_conf({{"ipMasq", true}})) == 2);
  REQUIRE(code(ptp_conf({{"ipam", nullptr}})) == 7);
  REQUIRE(code(ptp_conf({{"ipam", {{"subnet", "10.0.0.0/24"}}}})) == 7);
  REQUIRE(code(ptp_conf({{"mtu", 20}})) == 7);
  REQUIRE(code(ptp_conf({{"peerIfname", "eth0"}})) == 7);  // only with peerNetns
  REQUIRE(code(ptp_conf({{"peerNetns", "/b"}, {"peerIfname", "bad/name"}})) == 7);
  REQUIRE(code(ptp_conf({{"peerNetns", "b"}})) == 7);
  REQUIRE(ptp::parse_config(request(ptp_conf({{"ipMasq", false}}))));
}
