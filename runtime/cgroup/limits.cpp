#include "runtime/cgroup/limits.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>

#include "core/fd.h"

namespace berth::runtime {
namespace {

constexpr int64_t kCpuPeriodUs = 100000;

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int64_t read_number(const std::string& path) {
  std::string s = read_file(path);
  if (s.empty() || s.starts_with("max")) return -1;
  return std::strtoll(s.c_str(), nullptr, 10);
}

// "key value" lines (memory.events, cpu.stat, memory.oom_control).
int64_t read_key(const std::string& path, const std::string& key) {
  std::istringstream in(read_file(path));
  std::string k;
  int64_t v = 0;
  while (in >> k >> v)
    if (k == key) return v;
  return -1;
}

}  // namespace

Result<> write_cgroup_file(const std::string& dir, const std::string& file,
                           const std::string& value) {
  std::string path = dir + "/" + file;
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd.valid() || ::write(fd.get(), value.data(), value.size()) < 0)
    return fail_errno(Code::kIo, "write `" + value + "` to `" + path + "`", errno);
  return {};
}

Result<> apply_limits(const Cgroup& cg, bool v2, const Limits& l) {
  if (l.memory > 0) {
    std::string dir = cg.dir_of("memory");
    if (dir.empty())
      return fail(Code::kNotAvailable, "the memory cgroup controller is not available");
    BERTH_TRY(write_cgroup_file(dir, v2 ? "memory.max" : "memory.limit_in_bytes",
                                std::to_string(l.memory)));
  }
  if (l.nano_cpus > 0) {
    std::string dir = cg.dir_of("cpu");
    if (dir.empty()) return fail(Code::kNotAvailable, "the cpu cgroup controller is not available");
    int64_t quota = l.nano_cpus * kCpuPeriodUs / 1'000'000'000;
    if (v2) {
      BERTH_TRY(write_cgroup_file(dir, "cpu.max",
                                  std::to_string(quota) + " " + std::to_string(kCpuPeriodUs)));
    } else {
      BERTH_TRY(write_cgroup_file(dir, "cpu.cfs_period_us", std::to_string(kCpuPeriodUs)));
      BERTH_TRY(write_cgroup_file(dir, "cpu.cfs_quota_us", std::to_string(quota)));
    }
  }
  if (l.pids > 0) {
    std::string dir = cg.dir_of("pids");
    if (dir.empty())
      return fail(Code::kNotAvailable, "the pids cgroup controller is not available");
    BERTH_TRY(write_cgroup_file(dir, "pids.max", std::to_string(l.pids)));
  }
  return {};
}

Usage read_usage(const Cgroup& cg, bool v2) {
  Usage u;
  std::string mem = cg.dir_of("memory"), pids = cg.dir_of("pids");
  if (!mem.empty()) {
    u.memory = read_number(mem + (v2 ? "/memory.current" : "/memory.usage_in_bytes"));
    u.memory_limit = read_number(mem + (v2 ? "/memory.max" : "/memory.limit_in_bytes"));
    if (u.memory_limit >= (int64_t(1) << 62)) u.memory_limit = -1;  // v1's "unlimited"
    // v1's total_ counts the hierarchy below too, which is what v2's plain key means.
    u.memory_inactive_file =
        read_key(mem + "/memory.stat", v2 ? "inactive_file" : "total_inactive_file");
  }
  if (!pids.empty()) u.pids = read_number(pids + "/pids.current");
  if (v2) {
    int64_t usec = read_key(cg.dir_of("cpu") + "/cpu.stat", "usage_usec");
    u.cpu_ns = usec < 0 ? -1 : usec * 1000;
  } else if (std::string acct = cg.dir_of("cpuacct"); !acct.empty()) {
    u.cpu_ns = read_number(acct + "/cpuacct.usage");
  }
  return u;
}

int64_t read_oom_kills(const Cgroup& cg, bool v2) {
  std::string mem = cg.dir_of("memory");
  if (mem.empty()) return 0;
  int64_t n = read_key(mem + (v2 ? "/memory.events" : "/memory.oom_control"), "oom_kill");
  return n < 0 ? 0 : n;
}

}  // namespace berth::runtime
