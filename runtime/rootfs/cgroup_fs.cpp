#include "runtime/rootfs/cgroup_fs.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <sstream>

#include "core/fd.h"

namespace berth::runtime {
namespace {

constexpr const char* kDir = "/sys/fs/cgroup";
constexpr unsigned long kFlags = MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RELATIME;

Result<> mount_at(const char* src, const std::string& target, const char* type, unsigned long flags,
                  const char* data) {
  if (::mount(src, target.c_str(), type, flags, data) != 0)
    return fail_errno(Code::kIo, "mount " + std::string(type) + " on `" + target + "`", errno);
  return {};
}

std::string read_small(const char* path) {
  UniqueFd fd(::open(path, O_RDONLY | O_CLOEXEC));
  std::string out;
  char buf[1024];
  ssize_t n;
  while (fd.valid() && (n = ::read(fd.get(), buf, sizeof buf)) > 0) out.append(buf, size_t(n));
  return out;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string part; std::getline(in, part, sep);) out.push_back(part);
  return out;
}

// The v1 hierarchies to show: their controller lists as the kernel names them in
// /proc/self/cgroup ("4:memory:/", "2:cpu,cpuacct:/"), which is also what mounting an
// existing hierarchy must be given (exactly its controllers).
std::vector<std::string> hierarchies(const std::vector<std::string>& wanted) {
  std::vector<std::string> out;
  std::istringstream in(read_small("/proc/self/cgroup"));
  for (std::string line; std::getline(in, line);) {
    size_t a = line.find(':'), b = line.find(':', a + 1);
    if (a == std::string::npos || b == std::string::npos) continue;
    std::string list = line.substr(a + 1, b - a - 1);
    for (const auto& c : split(list, ','))
      if (std::find(wanted.begin(), wanted.end(), c) != wanted.end()) {
        out.push_back(list);
        break;
      }
  }
  return out;
}

}  // namespace

Result<CgroupFsPlan> prepare_cgroup_fs(const CgroupFsSpec& spec) {
  CgroupFsPlan plan{spec.mount, spec.v2, {}};
  if (!spec.mount || spec.v2) return plan;
  BERTH_TRY(mount_at("tmpfs", kDir, "tmpfs", kFlags, "mode=755,size=64k"));
  plan.hierarchies = hierarchies(spec.v1_controllers);
  for (const auto& list : plan.hierarchies) {
    std::string dir = std::string(kDir) + "/" + list;
    if (::mkdir(dir.c_str(), 0555) != 0)
      return fail_errno(Code::kIo, "create `" + dir + "`", errno);
    if (list.find(',') != std::string::npos)
      for (const auto& c : split(list, ','))  // "cpu" -> "cpu,cpuacct", as Docker has it
        if (::symlink(list.c_str(), (std::string(kDir) + "/" + c).c_str()) != 0)
          return fail_errno(Code::kIo, "link `" + std::string(kDir) + "/" + c + "`", errno);
  }
  return plan;
}

Result<> mount_cgroup_fs(const CgroupFsPlan& plan) {
  if (!plan.mount) return {};
  // MS_RDONLY on a new mount is a flag of that mount: the host's mounts of the same
  // hierarchy (the same superblock) stay writable.
  if (plan.v2) return mount_at("cgroup2", kDir, "cgroup2", kFlags | MS_RDONLY, nullptr);
  for (const auto& list : plan.hierarchies)
    BERTH_TRY(mount_at("cgroup", std::string(kDir) + "/" + list, "cgroup", kFlags | MS_RDONLY,
                       list.c_str()));
  // Only this mount: the cgroup mounts below are read-only of their own.
  return mount_at(nullptr, kDir, "tmpfs", MS_REMOUNT | MS_BIND | MS_RDONLY | kFlags, nullptr);
}

}  // namespace berth::runtime
