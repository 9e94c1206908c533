// cgroup limits: written where the kernel reads them, and enforced.
#include <catch2/catch.hpp>

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
