#include "runtime/cgroup/cgroup.h"

#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <iterator>
#include <sstream>

#include "runtime/cgroup/devices.h"
#include "runtime/cgroup/limits.h"

namespace berth::runtime {
namespace {

// The v1 controllers berth puts a container into.
constexpr const char* kControllers[] = {"memory", "cpu", "cpuacct", "pids", "freezer", "devices"};

Result<> mkdir_if_missing(const std::string& path) {
  if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST)
    return fail_errno(Code::kIo, "create cgroup `" + path + "`", errno);
  return {};
}

}  // namespace

CgroupLayout detect_cgroup_layout() {
  CgroupLayout layout;
  std::ifstream in("/proc/self/mountinfo");
  std::string line, unified_elsewhere;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string id, parent, devno, root, mnt, field;
    ls >> id >> parent >> devno >> root >> mnt;
    while (ls >> field && field != "-") {
    }
    std::string fstype, source, super;
    ls >> fstype >> source >> super;
    if (fstype == "cgroup2") {
      if (mnt == "/sys/fs/cgroup")
        layout.unified = mnt;
      else if (unified_elsewhere.empty())
        unified_elsewhere = mnt;
    } else if (fstype == "cgroup") {
      std::istringstream opts(super);
      std::string opt;
      while (std::getline(opts, opt, ','))
        for (const char* c : kControllers)
          if (opt == c) layout.v1.emplace_back(c, mnt);
    }
  }
  // Pure v2 unless v1 controllers exist; a v2 mount elsewhere (hybrid) only counts alone.
  if (!layout.unified.empty() || layout.v1.empty()) {
    layout.v2 = true;
    if (layout.unified.empty())
      layout.unified = unified_elsewhere.empty() ? "/sys/fs/cgroup" : unified_elsewhere;
    layout.v1.clear();
  }
  return layout;
}

Cgroup::Cgroup(CgroupLayout layout, const std::string& id)
    : layout_(std::move(layout)), rel_("berth/" + id) {}

std::vector<std::string> Cgroup::paths() const {
  std::vector<std::string> out;
  if (layout_.v2) return {layout_.unified + "/" + rel_};
  for (const auto& [ctrl, mnt] : layout_.v1) {
    std::string p = mnt + "/" + rel_;
    if (std::find(out.begin(), out.end(), p) == out.end()) out.push_back(p);
  }
  return out;
}

std::string Cgroup::dir_of(const std::string& controller) const {
  if (layout_.v2) return layout_.unified + "/" + rel_;
  for (const auto& [ctrl, mnt] : layout_.v1)
    if (ctrl == controller) return mnt + "/" + rel_;
  return "";
}

Result<> Cgroup::create(const Limits& limits) {
  if (layout_.v2) {
    // Controllers must be enabled on every level above the container's cgroup.
    BERTH_TRY(mkdir_if_missing(layout_.unified + "/berth"));
    for (const char* c : {"+memory", "+cpu", "+pids"}) {
      (void)write_cgroup_file(layout_.unified, "cgroup.subtree_control", c);
      (void)write_cgroup_file(layout_.unified + "/berth", "cgroup.subtree_control", c);
    }
  } else {
    for (const auto& [ctrl, mnt] : layout_.v1) BERTH_TRY(mkdir_if_missing(mnt + "/berth"));
  }
  for (const auto& p : paths()) BERTH_TRY(mkdir_if_missing(p));
  if (std::string dev = layout_.v2 ? "" : dir_of("devices"); !dev.empty())
    BERTH_TRY(apply_device_rules(dev));
  return apply_limits(*this, layout_.v2, limits);
}

Result<> Cgroup::add(pid_t pid) const {
  for (const auto& p : paths())
    BERTH_TRY(write_cgroup_file(p, "cgroup.procs", std::to_string(pid)));
  return {};
}

Result<> Cgroup::destroy() const {
  for (const auto& p : paths()) {
    // Processes leave their cgroups as they are reaped: give stragglers a moment.
    for (int tries = 0;; ++tries) {
      if (::rmdir(p.c_str()) == 0 || errno == ENOENT) break;
      if (errno != EBUSY || tries >= 200)
        return fail_errno(Code::kIo, "remove cgroup `" + p + "`", errno);
      timespec ts{0, 5'000'000};
      nanosleep(&ts, nullptr);
    }
  }
  return {};
}

Result<> Cgroup::freeze(bool frozen) const {
  std::string dir = layout_.v2 ? layout_.unified + "/" + rel_ : dir_of("freezer");
  if (dir.empty())
    return fail(Code::kNotAvailable, "the freezer cgroup controller is not available");
  const char* file = layout_.v2 ? "cgroup.freeze" : "freezer.state";
  BERTH_TRY(write_cgroup_file(dir, file,
                              layout_.v2 ? (frozen ? "1" : "0") : (frozen ? "FROZEN" : "THAWED")));
  // v1 passes through FREEZING; v2 reports "frozen 1" in cgroup.events once done.
  for (int i = 0; i < 200; ++i) {
    std::ifstream in(dir + (layout_.v2 ? "/cgroup.events" : "/freezer.state"));
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    bool done = layout_.v2 ? text.find(frozen ? "frozen 1" : "frozen 0") != std::string::npos
                           : text.starts_with(frozen ? "FROZEN" : "THAWED");
    if (done) return {};
    timespec ts{0, 5'000'000};
    nanosleep(&ts, nullptr);
  }
  return fail(Code::kTryAgainLater,
              std::string(frozen ? "freezing" : "thawing") + " `" + dir + "` did not finish");
}

Usage Cgroup::usage() const { return read_usage(*this, layout_.v2); }

bool Cgroup::oom_killed() const { return read_oom_kills(*this, layout_.v2) > 0; }

}  // namespace berth::runtime
