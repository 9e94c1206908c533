// cgroup limits: written where the kernel reads them, and enforced.
#include <catch2/catch.hpp>
#include <sstream>

#include "tests/netns/runtime_helpers.h"

using namespace berth::test;

namespace {

// The value of a cgroup file under its v1 path or, on a v2 machine, its v2 path.
std::string cgroup_value(const std::string& v1, const std::string& v2) {
  return Berth::trim(
      sh("cat /sys/fs/cgroup/" + v1 + " 2>/dev/null || cat /sys/fs/cgroup/" + v2 + " 2>/dev/null"));
}

}  // namespace

TEST_CASE("memory and CPU and pids limits are written to the container's cgroups",
          "[runtime][cgroup]") {
  Berth berth;
  std::string id =
      berth.ok("run -d --net none -m 64m --cpus 0.5 --pids-limit 50 busybox sleep 1000");
  std::string base = "berth/" + id;
  CHECK(cgroup_value("memory/" + base + "/memory.limit_in_bytes", base + "/memory.max") ==
        "67108864");
  CHECK(cgroup_value("pids/" + base + "/pids.max", base + "/pids.max") == "50");
  std::string cpu = cgroup_value("cpu/" + base + "/cpu.cfs_quota_us", base + "/cpu.max");
  CHECK((cpu == "50000" || cpu == "50000 100000"));
  // The container's process is in them.
  auto j = berth.inspect(id);
  std::string pid = std::to_string(j["State"]["Pid"].get<int>());
  CHECK(sh("cat /proc/" + pid + "/cgroup").find("/berth/" + id) != std::string::npos);
  CHECK(j["Usage"]["MemoryLimitBytes"] == 67108864);
  CHECK(j["Usage"]["Pids"] == 1);
  CHECK(berth.ok("stats --no-stream").find(id.substr(0, 12)) != std::string::npos);
  berth.ok("rm -f " + id);
  CHECK(cgroup_dirs(id).empty());
}

TEST_CASE("a memory limit is enforced and the OOM killer ends the container", "[runtime][cgroup]") {
  Berth berth;
  auto r = berth(
      "run --name hog --net none -m 8m busybox sh -c "
      "'x=$(head -c 64000000 /dev/zero | tr \"\\0\" a); echo survived ${#x}'");
  CHECK(r.rc == 137);
  CHECK(r.out.find("survived") == std::string::npos);
  auto j = berth.inspect("hog");
  CHECK(j["State"]["OOMKilled"] == true);
  CHECK(j["State"]["ExitCode"] == 137);
  berth.ok("rm hog");
}

TEST_CASE("a pids limit is enforced", "[runtime][cgroup]") {
  Berth berth;
  auto r = berth(
      "run --rm --net none --pids-limit 5 busybox sh -c 'for i in 1 2 3 4 5 6 7 8; do sleep 1 & "
      "done'");
  CHECK(r.err.find("can't fork") != std::string::npos);
  auto free =
      berth("run --rm --net none busybox sh -c 'for i in 1 2 3 4 5 6 7 8; do sleep 1 & done'");
  CHECK(free.err.empty());
}

namespace {

// What a user types inside to read a limit, whichever the layout: the v2 file at the
// root of /sys/fs/cgroup, else the v1 file in its controller's directory.
std::string inside(const std::string& v2, const std::string& v1) {
  return "cat /sys/fs/cgroup/" + v2 + " 2>/dev/null || cat /sys/fs/cgroup/" + v1;
}

}  // namespace

TEST_CASE("a container sees its own cgroup at /sys/fs/cgroup, read-only, with its limits",
          "[runtime][cgroup]") {
  Berth berth;
  // The user's own command (issue 14).
  auto r = berth(
      "run --rm --net none -m 20m busybox sh -c 'cat /sys/fs/cgroup/memory.max || "
      "cat /sys/fs/cgroup/memory/memory.limit_in_bytes'");
  INFO(r.err);
  CHECK(r.rc == 0);
  CHECK(Berth::trim(r.out) == "20971520");

  std::string id =
      berth.ok("run -d --net none -m 20m --cpus 0.5 --pids-limit 50 busybox sleep 1000");
  auto in = [&](const std::string& cmd) { return berth.ok("exec " + id + " sh -c '" + cmd + "'"); };
  CHECK(in(inside("memory.max", "memory/memory.limit_in_bytes")) == "20971520");
  CHECK(in(inside("pids.max", "pids/pids.max")) == "50");
  std::string cpu = in(inside("cpu.max", "cpu/cpu.cfs_quota_us"));
  CHECK((cpu == "50000 100000" || cpu == "50000"));
  if (cpu == "50000") CHECK(in("cat /sys/fs/cgroup/cpu/cpu.cfs_period_us") == "100000");
  // Its own cgroup is the root: every hierarchy says "/", the host's tree (berth/<other
  // containers>) is not there, and the init is listed in the root's cgroup.procs.
  std::istringstream lines(in("cat /proc/self/cgroup"));
  int n = 0;
  for (std::string line; std::getline(lines, line); ++n) CHECK(line.ends_with(":/"));
  CHECK(n > 0);
  CHECK(in("ls -d /sys/fs/cgroup/berth /sys/fs/cgroup/*/berth 2>/dev/null; true").empty());
  CHECK(in(inside("cgroup.procs", "memory/cgroup.procs") + " | grep -x 1") == "1");
  // Read-only: neither the limit nor the directory can be changed from inside.
  auto write = berth("exec " + id + " sh -c 'echo 999999999 > /sys/fs/cgroup/memory.max || " +
                     "echo 999999999 > /sys/fs/cgroup/memory/memory.limit_in_bytes'");
  CHECK(write.rc != 0);
  CHECK(write.err.find("Read-only file system") != std::string::npos);
  auto mk = berth("exec " + id + " mkdir /sys/fs/cgroup/x");
  CHECK(mk.rc != 0);
  CHECK(mk.err.find("Read-only file system") != std::string::npos);
  CHECK(in(inside("memory.max", "memory/memory.limit_in_bytes")) == "20971520");
  berth.ok("rm -f " + id);
  CHECK(cgroup_dirs(id).empty());
  // The host's own cgroup mounts stay writable (the read-only mounts inside share their
  // superblocks): the next container still gets its limits.
  CHECK(berth.ok("run --rm --net none -m 30m busybox sh -c '" +
                 inside("memory.max", "memory/memory.limit_in_bytes") + "'") == "31457280");
}

TEST_CASE("the limit a container reads is the one the OOM killer enforces", "[runtime][cgroup]") {
  Berth berth;
  auto r = berth("run --name hog --net none -m 8m busybox sh -c '" +
                 inside("memory.max", "memory/memory.limit_in_bytes") +
                 "; x=$(head -c 64000000 /dev/zero | tr \"\\0\" a); echo survived ${#x}'");
  CHECK(r.rc == 137);
  CHECK(Berth::trim(r.out) == "8388608");
  CHECK(berth.inspect("hog")["State"]["OOMKilled"] == true);
  berth.ok("rm hog");
}

TEST_CASE("a container opens only the devices it was given, even nodes it makes",
          "[runtime][cgroup]") {
  if (!path_exists("/sys/fs/cgroup/devices")) {
    WARN("no v1 devices controller: device rules on cgroup v2 (BPF) are not done yet");
    return;
  }
  Berth berth;
  // /dev/loop-control opens for host root; a container's root can make the node (CAP_MKNOD
  // is in Docker's set) but must not open it, nor a disk.
  auto r = berth(
      "run --rm --net none busybox sh -c 'mknod /dev/lc c 10 237 && echo made; "
      "cat /dev/lc; mknod /tmp/disk b 8 0; head -c 1 /tmp/disk; "
      "echo x > /dev/null && head -c 1 /dev/urandom | wc -c'");
  CHECK(r.out == "made\n1\n");
  CHECK(r.err.find("cat: can't open '/dev/lc': Operation not permitted") != std::string::npos);
  CHECK(r.err.find("head: /tmp/disk: Operation not permitted") != std::string::npos);
}

TEST_CASE("exec works in a container started without a devices cgroup (an older berth's)",
          "[runtime][cgroup]") {
  if (!path_exists("/sys/fs/cgroup/devices")) return;  // v2: no devices directory anyway
  Berth berth;
  std::string id = berth.ok("run -d --net none busybox sleep 1000");
  std::string pid = std::to_string(berth.inspect(id)["State"]["Pid"].get<int>());
  // As a container an older berth started: in no devices cgroup of its own.
  sh("echo " + pid + " > /sys/fs/cgroup/devices/berth/cgroup.procs && rmdir " +
     "/sys/fs/cgroup/devices/berth/" + id);
  REQUIRE(!path_exists("/sys/fs/cgroup/devices/berth/" + id));
  CHECK(berth.ok("exec " + id + " echo in") == "in");
  berth.ok("rm -f " + id);
  CHECK(cgroup_dirs(id).empty());
}
