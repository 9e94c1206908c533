// Detached containers: ps, stop (SIGTERM then SIGKILL), kill, rm, exec, logs, restart
// policies, and that removal leaves nothing behind.
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "tests/netns/runtime_helpers.h"

using namespace berth::test;

TEST_CASE("run -d then ps then stop then rm leaves nothing behind", "[runtime]") {
  Berth berth;
  std::string id = berth.ok("run -d --name web busybox sleep 1000");
  REQUIRE(id.size() == 64);
  std::string ps = berth.ok("ps");
  CHECK(ps.find(id.substr(0, 12)) != std::string::npos);
  CHECK(ps.find("Up ") != std::string::npos);
  CHECK(ps.find("web") != std::string::npos);
  auto j = berth.inspect("web");
  CHECK(j["State"]["Status"] == "running");
  CHECK(j["State"]["Pid"].get<int>() > 0);
  CHECK(path_exists(berth.root() + "/netns/" + id));
  CHECK_FALSE(cgroup_dirs(id).empty());
  CHECK_FALSE(veth_links().empty());

  // sleep as pid 1 has no SIGTERM handler: the grace period ends with SIGKILL.
  auto t0 = std::chrono::steady_clock::now();
  CHECK(berth.ok("stop -t 1 web") == "web");
  auto took = std::chrono::steady_clock::now() - t0;
  CHECK(took >= std::chrono::milliseconds(900));
  CHECK(took < std::chrono::seconds(5));
  j = berth.inspect(id.substr(0, 5));
  CHECK(j["State"]["Status"] == "exited");
  CHECK(j["State"]["ExitCode"] == 137);
  CHECK(berth.ok("ps -q").empty());
  CHECK(berth.ok("ps -aq") == id.substr(0, 12));
  // Stopped: the network and cgroups are already released.
  CHECK_FALSE(path_exists(berth.root() + "/netns/" + id));
  CHECK(cgroup_dirs(id).empty());
  CHECK(veth_links().empty());

  CHECK(berth.ok("rm web") == "web");
  CHECK(berth.ok("ps -aq").empty());
  CHECK_FALSE(path_exists(berth.root() + "/containers/" + id));
  CHECK(mounts_under(berth.root()).empty());
  CHECK(veth_links().empty());
  CHECK(cgroup_dirs(id).empty());
}

TEST_CASE("stop sends SIGTERM first and the container may exit cleanly", "[runtime]") {
  Berth berth;
  berth.ok(
      "run -d --name polite --net none busybox sh -c "
      "'trap \"echo got TERM; exit 0\" TERM; echo ready; while true; do sleep 0.1; done'");
  wait_for([&] { return berth.ok("logs polite").find("ready") != std::string::npos; });
  auto t0 = std::chrono::steady_clock::now();
  berth.ok("stop polite");
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(3));
  CHECK(berth.inspect("polite")["State"]["ExitCode"] == 0);
  CHECK(berth.ok("logs polite") == "ready\ngot TERM");
  CHECK(berth("rm polite").rc == 0);
}

TEST_CASE("kill and rm of a running container and rm -f", "[runtime]") {
  Berth berth;
  berth.ok("run -d --name k1 --net none busybox sleep 1000");
  berth.ok("run -d --name k2 --net none busybox sleep 1000");
  auto busy = berth("rm k1");
  CHECK(busy.rc == 1);
  CHECK(busy.err.find("cannot remove running container `k1`") != std::string::npos);
  CHECK(berth.ok("kill -s KILL k1") == "k1");
  wait_for([&] { return berth.inspect("k1")["State"]["Status"] == "exited"; });
  CHECK(berth.inspect("k1")["State"]["ExitCode"] == 137);
  auto again = berth("kill k1");
  CHECK(again.rc == 1);
  CHECK(again.err.find("not running") != std::string::npos);
  CHECK(berth.ok("rm -f k1 k2") == "k1\nk2");
  CHECK(berth.ok("ps -aq").empty());
}

TEST_CASE("exec runs inside the container's namespaces and returns the status", "[runtime]") {
  Berth berth;
  std::string id = berth.ok("run -d --name box busybox sleep 1000");
  CHECK(berth.ok("exec box hostname") == id.substr(0, 12));
  CHECK(berth.ok("exec box sh -c 'tr \"\\0\" \" \" < /proc/1/cmdline'") == "sleep 1000");
  CHECK(berth("exec box sh -c 'exit 4'").rc == 4);
  CHECK(berth.ok("exec -e X=1 -w /tmp box sh -c 'echo $X $(pwd)'") == "1 /tmp");
  // Same network namespace: the container's eth0 is there.
  CHECK(berth.ok("exec box ip -o link").find("eth0") != std::string::npos);
  CHECK(berth("exec box no-such").rc == 127);
  berth.ok("rm -f box");
}

TEST_CASE("logs shows both streams and --tail and -f follows until the container stops",
          "[runtime]") {
  Berth berth;
  berth.ok(
      "run -d --name talk --net none busybox sh -c 'echo one; echo two >&2; echo three; sleep 0.5; "
      "echo four'");
  auto r = berth("logs -f talk");
  CHECK(r.rc == 0);
  CHECK(r.out == "one\nthree\nfour\n");
  CHECK(r.err == "two\n");
  CHECK(berth.ok("logs --tail 1 talk") == "four");
  CHECK(berth.ok("logs -t talk").find("Z one") != std::string::npos);
  berth.ok("rm talk");
}

TEST_CASE("restart policies: on-failure:N counts and always restarts until stopped", "[runtime]") {
  Berth berth;
  berth.ok(
      "run -d --name flaky --net none --restart on-failure:2 busybox sh -c 'echo run; exit 5'");
  wait_for([&] { return berth.inspect("flaky")["State"]["Status"] == "exited"; });
  auto j = berth.inspect("flaky");
  CHECK(j["State"]["Status"] == "exited");
  CHECK(j["RestartCount"] == 2);
  CHECK(j["State"]["ExitCode"] == 5);
  CHECK(berth.ok("logs flaky") == "run\nrun\nrun");

  berth.ok("run -d --name loop --net none --restart always busybox sh -c 'sleep 0.1'");
  wait_for([&] { return berth.inspect("loop")["RestartCount"].get<int>() >= 2; });
  CHECK(berth.inspect("loop")["RestartCount"].get<int>() >= 2);
  berth.ok("stop -t 1 loop");
  int count = berth.inspect("loop")["RestartCount"];
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  j = berth.inspect("loop");
  CHECK(j["State"]["Status"] == "exited");
  CHECK(j["RestartCount"] == count);  // stopped means stopped
  berth.ok("rm flaky loop");
  CHECK(berth.ok("ps -aq").empty());
}

TEST_CASE("ps reconciles a container whose monitor died", "[runtime]") {
  Berth berth;
  berth.ok("run -d --name orphan --net none busybox sleep 1000");
  auto j = berth.inspect("orphan");
  std::string id = j["Id"];
  // Kill the monitor and then the container behind berth's back.
  auto record =
      nlohmann::json::parse(sh("cat " + berth.root() + "/containers/" + id + "/state.json"));
  int monitor = record["State"]["MonitorPid"];
  int pid = record["State"]["Pid"];
  REQUIRE(monitor > 0);
  sh("kill -9 " + std::to_string(monitor) + "; kill -9 " + std::to_string(pid));
  wait_for([&] { return !path_exists("/proc/" + std::to_string(pid) + "/cmdline"); });
  CHECK(berth.ok("ps -a").find("Exited (255)") != std::string::npos);
  CHECK_FALSE(path_exists(berth.root() + "/netns/" + id));
  CHECK(cgroup_dirs(id).empty());
  berth.ok("rm orphan");
}

TEST_CASE("pause freezes the container and unpause thaws it", "[runtime]") {
  Berth berth;
  std::string id = berth.ok(
      "run -d --name ice --net none busybox sh -c "
      "'i=0; while true; do i=$((i+1)); echo $i > /tmp/n; sleep 0.05; done'");
  std::string counter = berth.root() + "/containers/" + id + "/upper/tmp/n";
  wait_for([&] { return path_exists(counter); });
  CHECK(berth.ok("pause ice") == "ice");
  CHECK(berth.inspect("ice")["State"]["Status"] == "paused");
  CHECK(berth.ok("ps").find("(Paused)") != std::string::npos);
  std::string before = sh("cat " + counter);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK(sh("cat " + counter) == before);
  CHECK(berth("exec ice true").err.find("paused") != std::string::npos);
  CHECK(berth("pause ice").rc == 1);
  CHECK(berth.ok("unpause ice") == "ice");
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  CHECK(sh("cat " + counter) != before);
  // A paused container still stops.
  berth.ok("pause ice");
  berth.ok("stop -t 1 ice");
  CHECK(berth.inspect("ice")["State"]["Status"] == "exited");
  berth.ok("rm ice");
}
