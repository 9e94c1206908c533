// Crash tests: the plugin is killed (SIGKILL, through a failpoint, see core/failpoint.h)
// right after each step of ADD, DEL and GC that changed the kernel or the disk. What a
// runtime then does (DEL again, or GC once the container is gone) must leave zero
// residue: no links but the bridge, no address on it but the gateways, no lease files,
// no nftables elements (and no berth tables at all after GC), no temporary files.
// The steps are not listed here: a traced run tells the test which failpoints exist, so
// a step added to the code is walked without touching this file.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <fstream>
#include <map>
#include <vector>

#include "tests/netns/bridge_helpers.h"

using namespace berth::test;

namespace {

const std::string kNet = "crash";
const std::string kBridge = "br-crash";

// Dual stack, masquerade, two published ports and the MAC spoof check: every kind of
// state ADD can create. Containers at the same time need distinct `host_port`s.
json crash_conf(int host_port = 8080) {
  json c = bridge_conf(kNet, "10.61.0.0/24");
  c["cniVersion"] = "1.1.0";
  c["macspoofchk"] = true;
  c["hairpinMode"] = true;
  c["ipam"].erase("subnet");
  c["ipam"]["ranges"] = json::array({json::array({{{"subnet", "10.61.0.0/24"}}}),
                                     json::array({{{"subnet", "fd61::/64"}}})});
  c["capabilities"] = {{"portMappings", true}};
  c["runtimeConfig"] = {{"portMappings", json::array({{{"hostPort", host_port}, {"containerPort", 80}, {"protocol", "tcp"}},
                                                       {{"hostPort", host_port + 1}, {"containerPort", 53}, {"protocol", "udp"}}})}};
  return c;
}

// berth-ptp's: dual stack, peer end on the host.
json ptp_conf() {
  return {{"cniVersion", "1.1.0"},
          {"name", "crashptp"},
          {"type", "berth-ptp"},
          {"ipam", {{"type", "berth-ipam"},
                    {"dataDir", "/var/lib/cni/networks"},
                    {"ranges", json::array({json::array({{{"subnet", "10.62.0.0/24"}}}),
                                            json::array({{{"subnet", "fd62::/64"}}})})}}}};
}

PluginRun run(const std::string& cmd, const std::string& netns, const std::string& id, const json& conf,
              std::map<std::string, std::string> extra = {}) {
  extra["CNI_COMMAND"] = cmd;
  extra["CNI_PATH"] = bin_dir();
  if (cmd != "GC") {
    extra["CNI_CONTAINERID"] = id;
    extra["CNI_NETNS"] = netns;
    extra["CNI_IFNAME"] = "eth0";
  }
  return run_plugin(conf["type"].get<std::string>(), extra, conf.dump());
}

json gc_conf() {
  json c = crash_conf();
  c["cni.dev/valid-attachments"] = json::array();
  return c;
}

// Each failpoint a run reached, as NAME:N for its Nth hit, in order.
std::vector<std::string> traced(const std::string& cmd, const std::string& netns, const std::string& id,
                                const json& conf) {
  const std::string file = temp_dir() + "/trace";
  std::remove(file.c_str());
  auto r = run(cmd, netns, id, conf, {{"BERTH_FAILPOINT_TRACE", file}});
  INFO(cmd << ": " << r.out << r.err);
  REQUIRE(r.exit_code == 0);
  std::vector<std::string> points;
  std::map<std::string, int> seen;
  std::ifstream in(file);
  for (std::string name; std::getline(in, name);) points.push_back(name + ":" + std::to_string(++seen[name]));
  return points;
}

// Everything a leak would look like; "" when nothing is left. `after_gc`: berth's
// nftables tables must be gone too.
std::string residue_now(bool after_gc, const std::string& net) {
  std::string out;
  auto add = [&](const std::string& what, const std::string& found) {
    if (!found.empty()) out += what + ":\n" + found + "\n";
  };
  add("links", sh("ip -o link show | awk -F': ' '{print $2}' | grep -v -x -e lo -e " + kBridge + " || true"));
  add("bridge addresses", sh("ip -o addr show dev " + kBridge + " scope global 2>/dev/null | awk '{print $4}' | "
                             "grep -v -x -e 10.61.0.1/24 -e fd61::1/64 || true"));
  add("store files", sh("cd /var/lib/cni/networks/" + net + " 2>/dev/null && find . -mindepth 1 | "
                        "grep -v -x -e ./lock -e './last_reserved_ip\\.[0-9]*' -e ./attachments || true"));
  add("nftables elements", sh("nft list ruleset | grep -A3 'elements = ' || true"));
  if (after_gc) add("nftables tables", sh("nft list tables"));
  return out;
}

// The kernel destroys a deleted namespace (and the veth ends in it) asynchronously, so
// what is left is asked again for up to 3 s before it counts as residue.
std::string residue(bool after_gc, const std::string& net = kNet) {
  std::string left = residue_now(after_gc, net);
  for (int i = 0; i < 60 && !left.empty(); ++i) {
    usleep(50'000);
    left = residue_now(after_gc, net);
  }
  return left;
}

// The container works after a re-ADD under the same ID: both addresses are on eth0.
void re_add_works(const std::string& id) {
  auto ns = make_netns(id + "-again");
  auto r = run("ADD", ns, id, crash_conf());
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  auto addrs = sh_in(ns, "ip -o addr show eth0");
  CHECK(addrs.find("10.61.0.") != std::string::npos);
  CHECK(addrs.find("fd61::") != std::string::npos);
  REQUIRE(run("DEL", ns, id, crash_conf()).exit_code == 0);
  delete_netns(ns);
}

void require_killed(const PluginRun& r, const std::string& point) {
  INFO("failpoint " << point << ": exit " << r.exit_code << "\n" << r.out << r.err);
  // It fired: the plugin died of SIGKILL right there, or (an IPAM plugin exec'd as its
  // own process) the delegate died and the plugin reported that and rolled back.
  const bool delegate_killed = r.exit_code == 1 && r.out.find("killed by signal 9") != std::string::npos;
  REQUIRE((r.exit_code == 128 + 9 || delegate_killed));
}

}  // namespace

TEST_CASE("crash at every ADD step then DEL or GC leaves zero residue") {
  auto probe = make_netns("probe");
  auto points = traced("ADD", probe, "probe", crash_conf());
  REQUIRE(run("DEL", probe, "probe", crash_conf()).exit_code == 0);
  delete_netns(probe);
  INFO("ADD failpoints: " << points.size());
  REQUIRE(points.size() >= 12);  // IPAM, bridge, veth, container, firewall...
  REQUIRE(residue(false).empty());

  for (const auto& point : points) {
    INFO("failpoint " << point);
    // The runtime survives and calls DEL (with the netns still there).
    auto ns = make_netns("a");
    require_killed(run("ADD", ns, "a", crash_conf(), {{"BERTH_FAILPOINT", point}}), point);
    auto del = run("DEL", ns, "a", crash_conf());
    INFO(del.out << del.err);
    REQUIRE(del.exit_code == 0);
    delete_netns(ns);
    REQUIRE(residue(false) == "");
    re_add_works("a");

    // The runtime died too: the netns is gone, and only GC is left to clean up.
    auto ns2 = make_netns("b");
    require_killed(run("ADD", ns2, "b", crash_conf(), {{"BERTH_FAILPOINT", point}}), point);
    delete_netns(ns2);
    auto gc = run("GC", "", "", gc_conf());
    INFO(gc.out << gc.err);
    REQUIRE(gc.exit_code == 0);
    REQUIRE(residue(true) == "");
    re_add_works("b");
  }
}

TEST_CASE("crash at every DEL step then DEL again leaves zero residue and ADD works") {
  auto probe = make_netns("probe");
  REQUIRE(run("ADD", probe, "probe", crash_conf()).exit_code == 0);
  auto points = traced("DEL", probe, "probe", crash_conf());
  delete_netns(probe);
  INFO("DEL failpoints: " << points.size());
  REQUIRE(points.size() >= 4);  // veth, firewall, leases
  REQUIRE(residue(false).empty());

  for (const auto& point : points) {
    INFO("failpoint " << point);
    auto ns = make_netns("a");
    REQUIRE(run("ADD", ns, "a", crash_conf()).exit_code == 0);
    require_killed(run("DEL", ns, "a", crash_conf(), {{"BERTH_FAILPOINT", point}}), point);
    auto again = run("DEL", ns, "a", crash_conf());
    INFO(again.out << again.err);
    REQUIRE(again.exit_code == 0);
    REQUIRE(residue(false) == "");
    delete_netns(ns);
    re_add_works("a");
  }
}

TEST_CASE("crash at every GC step then GC again leaves zero residue") {
  auto setup = [] {
    std::vector<std::string> spaces;
    int port = 8080;
    for (const char* id : {"x", "y"}) {
      spaces.push_back(make_netns(id));
      REQUIRE(run("ADD", spaces.back(), id, crash_conf(port += 2)).exit_code == 0);
    }
    return spaces;  // the runtime lost track of both: GC is told none is valid
  };
  auto probe = setup();
  auto points = traced("GC", "", "", gc_conf());
  for (const auto& ns : probe) delete_netns(ns);
  INFO("GC failpoints: " << points.size());
  REQUIRE(points.size() >= 5);  // two veths, the firewall, two leases
  REQUIRE(residue(true).empty());

  for (const auto& point : points) {
    INFO("failpoint " << point);
    auto spaces = setup();
    require_killed(run("GC", "", "", gc_conf(), {{"BERTH_FAILPOINT", point}}), point);
    auto again = run("GC", "", "", gc_conf());
    INFO(again.out << again.err);
    REQUIRE(again.exit_code == 0);
    REQUIRE(residue(true) == "");
    for (const auto& ns : spaces) delete_netns(ns);
  }
}

TEST_CASE("berth-ptp: crash at every ADD and DEL step then DEL or GC leaves zero residue") {
  const json conf = ptp_conf();
  json gc = conf;
  gc["cni.dev/valid-attachments"] = json::array();
  const std::string net = conf["name"];
  auto probe = make_netns("probe");
  auto add_points = traced("ADD", probe, "probe", conf);
  auto del_points = traced("DEL", probe, "probe", conf);
  delete_netns(probe);
  INFO("ADD failpoints: " << add_points.size() << ", DEL: " << del_points.size());
  REQUIRE(add_points.size() >= 8);  // IPAM (index, claim, both families), veth, both ends
  REQUIRE(del_points.size() >= 3);
  REQUIRE(residue(false, net).empty());

  for (const auto& point : add_points) {
    INFO("ADD failpoint " << point);
    auto ns = make_netns("a");
    require_killed(run("ADD", ns, "a", conf, {{"BERTH_FAILPOINT", point}}), point);
    REQUIRE(run("DEL", ns, "a", conf).exit_code == 0);
    REQUIRE(residue(false, net) == "");
    require_killed(run("ADD", ns, "b", conf, {{"BERTH_FAILPOINT", point}}), point);
    delete_netns(ns);  // the runtime died too
    auto r = run("GC", "", "", gc);
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    REQUIRE(residue(false, net) == "");
  }
  for (const auto& point : del_points) {
    INFO("DEL failpoint " << point);
    auto ns = make_netns("a");
    REQUIRE(run("ADD", ns, "a", conf).exit_code == 0);
    require_killed(run("DEL", ns, "a", conf, {{"BERTH_FAILPOINT", point}}), point);
    REQUIRE(run("DEL", ns, "a", conf).exit_code == 0);
    REQUIRE(residue(false, net) == "");
    REQUIRE(run("ADD", ns, "a", conf).exit_code == 0);  // the same ID works again
    REQUIRE(run("DEL", ns, "a", conf).exit_code == 0);
    delete_netns(ns);
  }
}
