// berth-container: a joiner shares the target's namespace; only a record is written.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "tests/netns/modes_helpers.h"

using namespace berth::test;

namespace {

json bridge_net(const std::string& subnet) {
  return {{"cniVersion", "1.1.0"}, {"name", "tgt"},       {"type", "berth-bridge"}, {"bridge", "br-tgt"},
          {"isGateway", true},     {"ipam", {{"type", "berth-ipam"}, {"subnet", subnet}}}};
}

json join_conf(const std::string& target = "", const std::string& target_netns = "") {
  json c = {{"cniVersion", "1.1.0"}, {"name", "joined"}, {"type", "berth-container"}};
  if (!target.empty()) c["container"] = target;
  if (!target_netns.empty()) c["targetNetns"] = target_netns;
  return c;
}

const std::string kRecord = "/run/berth/container/joined/";

}  // namespace

TEST_CASE("container: a joiner sees the target's interfaces and the host reaches it there") {
  auto ns = make_netns("target");
  REQUIRE(call("berth-bridge", "ADD", ns, "target", bridge_net("10.70.0.0/24")).exit_code == 0);
  auto r = call("berth-container", "ADD", ns, "joiner", join_conf("target", ns));
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  REQUIRE(r.json["interfaces"][1]["name"] == "eth0");
  REQUIRE(r.json["interfaces"][1]["sandbox"] == ns);
  REQUIRE(r.json["interfaces"][1]["mac"] == "02:42:0a:46:00:02");
  bool found = false;
  for (const auto& ip : r.json["ips"]) found |= ip["address"] == "10.70.0.2/24" && ip["interface"] == 1;
  REQUIRE(found);
  // The record: one file, mode 0600, naming the target.
  struct stat st {};
  REQUIRE(stat((kRecord + "joiner@eth0").c_str(), &st) == 0);
  REQUIRE((st.st_mode & 0777) == 0600);
  REQUIRE(contains(sh("cat " + kRecord + "joiner@eth0"), "\"target\":\"target\""));
  // A service the joiner runs is reached at the target's address.
  tcp_serve_once(ns, 8080, "joined");
  REQUIRE(tcp_request(host_netns_path(), "10.70.0.2", 8080) == "joined 10.70.0.1");
}

TEST_CASE("container: target named by CNI_ARGS and a /proc/<pid> path (identity, not paths)") {
  auto ns = make_netns("target");
  // A process living in the namespace: the runtime's view of the target is its pid.
  auto pid = sh("nsenter --net=" + ns + " sleep 30 >/dev/null 2>&1 & echo $!");
  pid.pop_back();  // nsenter execs sleep: $! is the sleeping process
  std::string by_pid = "/proc/" + pid + "/ns/net";
  // Until nsenter has called setns, the pid is still in the host namespace: wait for the switch.
  auto want = sh("stat -L -c %i " + ns);
  for (int i = 0; i < 200 && sh("stat -L -c %i " + by_pid + " 2>/dev/null") != want; ++i) usleep(5000);
  REQUIRE(sh("stat -L -c %i " + by_pid) == want);
  auto r = call("berth-container", "ADD", ns, "joiner", join_conf(), "eth0",
                "BERTH_CONTAINER=target;BERTH_TARGET_NETNS=" + by_pid + ";K8S_POD_NAME=web-0");
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  REQUIRE(r.json["interfaces"][0]["name"] == "lo");
  REQUIRE(contains(sh("cat " + kRecord + "joiner@eth0"), by_pid));
  sh("kill " + pid);
}

TEST_CASE("container: another namespace is refused / a vanished target is code 3") {
  auto target = make_netns("target");
  auto other = make_netns("other");
  auto r = call("berth-container", "ADD", other, "joiner", join_conf("target", target));
  REQUIRE(r.exit_code != 0);
  REQUIRE(r.json["code"] == 105);
  REQUIRE(r.json["msg"] == "CNI_NETNS is not the network namespace of container `target`");
  REQUIRE(sh("ls " + kRecord + " 2>/dev/null").empty());
  auto none = call("berth-container", "ADD", other, "joiner", join_conf());
  REQUIRE(none.json["code"] == 7);
  delete_netns(target);
  auto gone = call("berth-container", "ADD", other, "joiner", join_conf("target", target));
  REQUIRE(gone.json["code"] == 3);
}

TEST_CASE("container: the joiner's DEL removes only its record / the target keeps its network") {
  auto ns = make_netns("target");
  auto tgt = bridge_net("10.71.0.0/24");
  REQUIRE(call("berth-bridge", "ADD", ns, "target", tgt).exit_code == 0);
  REQUIRE(call("berth-container", "ADD", ns, "joiner", join_conf("target", ns)).exit_code == 0);
  REQUIRE(call("berth-container", "DEL", ns, "joiner", join_conf()).exit_code == 0);
  REQUIRE(sh("ls " + kRecord).empty());
  REQUIRE(contains(sh_in(ns, "ip -o addr show eth0"), "10.71.0.2/24"));
  REQUIRE(ping(ns, "10.71.0.1"));
  REQUIRE(call("berth-container", "DEL", ns, "joiner", join_conf()).exit_code == 0);
  REQUIRE(call("berth-container", "DEL", "", "joiner", join_conf()).exit_code == 0);
  // And the target's own DEL is unaffected by a joiner that is still recorded.
  REQUIRE(call("berth-container", "ADD", ns, "joiner2", join_conf("target", ns)).exit_code == 0);
  REQUIRE(call("berth-bridge", "DEL", ns, "target", tgt).exit_code == 0);
  REQUIRE(sh_in(ns, "ip -o link show eth0 2>/dev/null").empty());
  REQUIRE(leases("tgt") == 0);
}

TEST_CASE("container: CHECK needs the record and the same namespace / GC keeps listed joiners") {
  auto ns = make_netns("target");
  auto add = call("berth-container", "ADD", ns, "j1", join_conf("target", ns));
  REQUIRE(add.exit_code == 0);
  REQUIRE(call("berth-container", "ADD", ns, "j2", join_conf("target", ns)).exit_code == 0);
  auto chk = join_conf();
  chk["prevResult"] = add.json;
  auto ok = call("berth-container", "CHECK", ns, "j1", chk);
  INFO(ok.out << ok.err);
  REQUIRE(ok.exit_code == 0);
  auto elsewhere = call("berth-container", "CHECK", make_netns("other"), "j1", chk);
  REQUIRE(elsewhere.json["code"] == 108);
  auto gc = join_conf();
  gc["cni.dev/valid-attachments"] = json::array({{{"containerID", "j2"}, {"ifname", "eth0"}}});
  auto g = run_plugin("berth-container", {{"CNI_COMMAND", "GC"}}, gc.dump());
  INFO(g.out);
  REQUIRE(g.exit_code == 0);
  REQUIRE(sh("ls " + kRecord) == "j2@eth0\n");
  auto unknown = call("berth-container", "CHECK", ns, "j1", chk);
  REQUIRE(unknown.json["code"] == 108);
  REQUIRE(contains(unknown.json["details"].get<std::string>(), "no record"));
}

TEST_CASE("container: a symlink planted in the state directory is not followed") {
  auto ns = make_netns("target");
  auto victim = temp_dir();
  sh("mkdir -p /run/berth/container && ln -s " + victim + " /run/berth/container/joined");
  auto r = call("berth-container", "ADD", ns, "joiner", join_conf("target", ns));
  REQUIRE(r.exit_code != 0);
  REQUIRE(r.json["code"] == 5);
  REQUIRE(sh("ls -A " + victim).empty());
}
