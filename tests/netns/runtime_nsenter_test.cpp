// `berth nsenter`: the host's tools inside a container's namespaces (by name, by pid of
// any process, by network namespace file), /sys and /proc that match what was entered,
// exit statuses passed through, clear errors, and the host's mounts left alone.
#include <signal.h>

#include <catch2/catch.hpp>

#include "tests/netns/runtime_helpers.h"

using namespace berth::test;

namespace {

std::string mount_table() { return sh("cat /proc/self/mountinfo"); }
bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("nsenter shows the container's interfaces and its own sysfs and not the host's",
          "[runtime][nsenter]") {
  Berth berth;
  berth.ok("run -d --name web busybox sleep 1000");
  auto net = berth.inspect("web")["NetworkSettings"];
  std::string ip = net["IPAddress"], mac = net["MacAddress"];
  REQUIRE_FALSE(ip.empty());
  std::string mounts_before = mount_table();

  std::string addrs = berth.ok("nsenter web -- ip -o addr");
  CHECK(contains(addrs, "eth0"));
  CHECK(contains(addrs, "inet " + ip + "/"));
  CHECK_FALSE(contains(addrs, "berth0"));  // the host's bridge
  // /sys is the container's: its eth0 has the container's MAC, the bridge is absent.
  CHECK(berth.ok("nsenter web -- cat /sys/class/net/eth0/address") == mac);
  CHECK_FALSE(contains(berth.ok("nsenter web --net -- ls /sys/class/net"), "berth0"));
  // With the mount namespace too, the container's own /sys (mounted inside its netns) agrees.
  CHECK(berth.ok("nsenter web --net --mount -- cat /sys/class/net/eth0/address") == mac);
  // By full ID prefix too, and with the default command (the user's shell) reading stdin.
  std::string id = berth.inspect("web")["Id"];
  CHECK(contains(berth.ok("nsenter " + id.substr(0, 6) + " -- ip -o addr show eth0"), ip));
  std::string shell = sh("echo 'ip -o addr show eth0' | SHELL=/bin/sh " + bin_dir() +
                         "/berth --root " + berth.root() + " nsenter web");
  CHECK(contains(shell, "inet " + ip + "/"));

  CHECK(mount_table() == mounts_before);
  CHECK(contains(sh("ip -o link"), "berth0"));  // so its absence above meant something
}

TEST_CASE("nsenter enters any process by --pid and any network namespace by --netns",
          "[runtime][nsenter]") {
  Berth berth;
  std::string ns = make_netns("other");
  sh_in(ns, "ip link add probe0 type bridge");
  sh("ip link add hostonly0 type bridge");
  // A process of "another runtime": nothing berth knows about.
  std::string pid =
      Berth::trim(sh("nsenter --net=" + ns + " sleep 1000 >/dev/null 2>&1 & echo $!"));
  REQUIRE_FALSE(pid.empty());
  berth.ok("run -d --name web busybox sleep 1000");
  std::string mounts_before = mount_table();

  std::string by_pid = berth.ok("nsenter --pid " + pid + " -- ip -o link");
  CHECK(contains(by_pid, "probe0"));
  CHECK_FALSE(contains(by_pid, "hostonly0"));
  CHECK(contains(berth.ok("nsenter -t " + pid + " -- ls /sys/class/net"), "probe0"));
  std::string by_path = berth.ok("nsenter --netns " + ns + " -- ip -o link");
  CHECK(contains(by_path, "probe0"));
  CHECK_FALSE(contains(by_path, "hostonly0"));
  CHECK(contains(berth.ok("nsenter --netns " + ns + " -- ls /sys/class/net"), "probe0"));

  // A berth container's pid works the same as its name.
  auto j = berth.inspect("web");
  std::string ip = j["NetworkSettings"]["IPAddress"];
  CHECK(contains(berth.ok("nsenter --pid " + std::to_string(j["State"]["Pid"].get<int>()) +
                          " -- ip -o addr show eth0"),
                 "inet " + ip + "/"));

  sh("kill " + pid);
  CHECK(mount_table() == mounts_before);
}

TEST_CASE("nsenter passes the command's exit status and its signal through", "[runtime][nsenter]") {
  Berth berth;
  berth.ok("run -d --name web --net none busybox sleep 1000");
  CHECK(berth("nsenter web -- true").rc == 0);
  CHECK(berth("nsenter web -- sh -c 'exit 7'").rc == 7);
  CHECK(berth("nsenter web -- sh -c 'kill -TERM $$'").rc == 128 + SIGTERM);
  // Through the extra process that the pid namespace needs.
  CHECK(berth("nsenter web -p -- sh -c 'exit 9'").rc == 9);
  CHECK(berth("nsenter web -p -- sh -c 'kill -KILL $$'").rc == 128 + SIGKILL);
  auto missing = berth("nsenter web -- no-such-tool");
  CHECK(missing.rc == 127);
  CHECK(contains(missing.err, "no-such-tool"));
}

TEST_CASE("nsenter with the pid, uts or mount namespace sees the container's processes and names",
          "[runtime][nsenter]") {
  Berth berth;
  std::string id = berth.ok("run -d --name web --net none busybox sleep 1000");
  std::string mounts_before = mount_table();

  // The host's ps with a /proc of the container's pid namespace: sleep is pid 1, and
  // besides it only ps itself is there.
  std::istringstream procs(berth.ok("nsenter web --pid-ns -- ps -e -o pid=,args="));
  std::vector<std::string> lines;
  for (std::string line; std::getline(procs, line);) lines.push_back(Berth::trim(line));
  REQUIRE(lines.size() == 2);
  CHECK(lines[0].find_first_not_of(' ') == lines[0].find("1 sleep 1000"));
  CHECK(contains(lines[1], "ps -e"));
  // The host's hostname tool in the container's UTS namespace.
  CHECK(berth.ok("nsenter web -u -- hostname") == id.substr(0, 12));
  // --mount: the command comes from the container's rootfs (busybox), as nsenter does.
  CHECK(berth.ok("nsenter web -m -- cat /etc/hostname") == id.substr(0, 12));
  CHECK(contains(berth.ok("nsenter web --all -- readlink /bin/sh"), "busybox"));
  CHECK(contains(berth.ok("nsenter web -a -- ps"), "sleep 1000"));

  CHECK(mount_table() == mounts_before);
}

TEST_CASE("nsenter names what is wrong: unknown or stopped container, bad target, no root",
          "[runtime][nsenter]") {
  Berth berth;
  auto unknown = berth("nsenter nosuchbox -- true");
  CHECK(unknown.rc == 125);
  CHECK(contains(unknown.err, "nosuchbox"));

  berth.ok("create --name idle --net none busybox true");
  auto stopped = berth("nsenter idle -- true");
  CHECK(stopped.rc == 125);
  CHECK(contains(stopped.err, "`idle` is not running"));

  auto no_target = berth("nsenter");
  CHECK(no_target.rc == 125);
  CHECK(contains(no_target.err, "--pid"));

  std::string ns = make_netns("other");
  auto only_net = berth("nsenter --netns " + ns + " --mount -- true");
  CHECK(only_net.rc == 125);
  CHECK(contains(only_net.err, "no other namespaces"));
  CHECK(berth("nsenter --netns " + temp_dir() + " -- true").rc == 125);  // not a namespace
  CHECK(berth("nsenter --pid 999999999 -- true").rc == 125);

  // An unprivileged user may not enter another process's namespaces.
  berth.ok("run -d --name web --net none busybox sleep 1000");
  int pid = berth.inspect("web")["State"]["Pid"];
  int rc = -1;
  std::string denied = temp_dir() + "/denied";
  sh("setpriv --reuid=65534 --regid=65534 --clear-groups " + bin_dir() + "/berth nsenter --pid " +
         std::to_string(pid) + " -- true 2>" + denied,
     &rc);
  CHECK(rc == 125);
  CHECK(contains(sh("cat " + denied), "needs root"));
}
