#include "runtime/debug/nsenter.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "runtime/container/lifecycle.h"
#include "runtime/process/child_report.h"
#include "runtime/process/proc.h"
#include "runtime/process/spawn.h"

extern char** environ;

namespace berth::runtime::debug {
namespace {

struct NsKind {
  NsBit bit;
  const char* proc_name;  // under /proc/PID/ns/
  int clone_flag;
};
// Join order. The mount namespace goes last: joining it changes root and cwd. The pid
// namespace only takes effect for children, so its place does not matter.
constexpr std::array<NsKind, kNsKinds> kKinds = {{{kNsCgroup, "cgroup", CLONE_NEWCGROUP},
                                                  {kNsIpc, "ipc", CLONE_NEWIPC},
                                                  {kNsUts, "uts", CLONE_NEWUTS},
                                                  {kNsNet, "net", CLONE_NEWNET},
                                                  {kNsPid, "pid", CLONE_NEWPID},
                                                  {kNsMount, "mnt", CLONE_NEWNS}}};

constexpr size_t index_of(NsBit bit) {
  for (size_t i = 0; i < kKinds.size(); ++i)
    if (kKinds[i].bit == bit) return i;
  return kKinds.size();
}

std::string permission_hint() {
  return "entering another process's namespaces needs root (CAP_SYS_ADMIN)";
}

// An error for a failed open/setns, with the cause a user can act on.
Error ns_error(const std::string& what, const std::string& label, int err) {
  if (err == EACCES || err == EPERM)
    return {Code::kInvalidConfig, what + " of " + label + ": permission denied", permission_hint()};
  if (err == ENOENT || err == ESRCH)
    return {Code::kUnknownContainer, what + " of " + label + ": no such process or namespace", {}};
  return {Code::kNetns, what + " of " + label + ": " + std::strerror(err), {}};
}

// A fresh mount of `type` on `dir` in the calling process's (private) mount namespace;
// the old one is detached first so that its submounts do not show through.
Result<> remount(const char* type, const char* dir) {
  (void)::umount2(dir, MNT_DETACH);  // nothing mounted there is fine
  if (::mount(type, dir, type, MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0)
    return fail_errno(Code::kInternal, std::string("mount a fresh ") + type + " on " + dir, errno);
  return {};
}

// Without the target's mount namespace, the command still needs mounts that match the
// namespaces it entered: /sys shows the network namespace that mounted it, /proc the pid
// namespace. They go into a private copy of our mount namespace whose propagation is
// made one-way (slave), so nothing done here reaches the host.
Result<> private_mounts(unsigned entered) {
  if (::unshare(CLONE_NEWNS) != 0)
    return fail_errno(Code::kInternal, "create a private mount namespace", errno);
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_SLAVE, nullptr) != 0)
    return fail_errno(Code::kInternal, "make / a slave mount", errno);
  if (entered & kNsNet) BERTH_TRY(remount("sysfs", "/sys"));
  return {};
}

std::vector<std::string> current_env() {
  std::vector<std::string> env;
  for (char** e = environ; e && *e; ++e) env.emplace_back(*e);
  return env;
}

// The user's shell, if it exists where the command runs (the container's rootfs after
// entering its mount namespace may not have it), else /bin/sh.
std::vector<std::string> default_command() {
  const char* shell = std::getenv("SHELL");
  if (shell && *shell && ::access(shell, X_OK) == 0) return {shell};
  return {"/bin/sh"};
}

// The last process: in every namespace, it finishes the mounts and execs the command.
[[noreturn]] void exec_inside(unsigned entered, bool private_ns,
                              const std::vector<std::string>& argv, int report) {
  reset_signals();
  Result<> r;
  // procfs shows the pid namespace of whoever mounts it: only this process is inside.
  if (private_ns && (entered & kNsPid)) r = remount("proc", "/proc");
  Error e = r ? exec_command(argv.empty() ? default_command() : argv, current_env()) : r.error();
  report_child_error(report, e);
  _exit(125);
}

// The forked child: joins, sets up mounts, forks once more for the pid namespace and
// passes the command's status on. Never returns.
[[noreturn]] void enter(const NsFds& fds, const std::vector<std::string>& argv, int report) {
  auto die = [report](const Error& e) {
    report_child_error(report, e);
    _exit(125);
  };
  unsigned entered = 0;
  for (size_t i = 0; i < kKinds.size(); ++i) {
    if (!fds.ns[i].valid()) continue;
    if (::setns(fds.ns[i].get(), kKinds[i].clone_flag) != 0)
      die(ns_error(std::string("enter the ") + kKinds[i].proc_name + " namespace", "the target",
                   errno));
    entered |= kKinds[i].bit;
  }
  bool private_ns = !(entered & kNsMount) && (entered & (kNsNet | kNsPid));
  if (entered & kNsMount) {
    // The target's root, as nsenter --root does: for a chroot'ed process it differs from
    // the root of its mount namespace.
    if (fds.root.valid() && (::fchdir(fds.root.get()) != 0 || ::chroot(".") != 0))
      die(Error{Code::kInternal, std::string("enter the target's root: ") + std::strerror(errno)});
    if (::chdir("/") != 0) die(Error{Code::kInternal, "chdir to /", {}});
  } else if (private_ns) {
    if (auto r = private_mounts(entered); !r) die(r.error());
  }
  if (!(entered & kNsPid)) exec_inside(entered, private_ns, argv, report);
  pid_t pid = ::fork();
  if (pid < 0) die(Error{Code::kInternal, std::string("fork: ") + std::strerror(errno), {}});
  if (pid == 0) exec_inside(entered, private_ns, argv, report);
  ::close(report);
  _exit(wait_status(pid));
}

}  // namespace

Result<NsTarget> container_target(Runtime& rt, const std::string& ref) {
  auto id = rt.store.resolve(ref);
  if (!id) return std::unexpected(id.error());
  auto c = load_reconciled(rt, *id);
  if (!c) return std::unexpected(c.error());
  bool up = c->state.status == Status::kRunning || c->state.status == Status::kPaused;
  if (!up || c->state.pid <= 0)
    return fail(Code::kInvalidConfig, "container `" + c->name + "` is not running",
                "start it first (`berth start " + c->name + "`)");
  return NsTarget{c->state.pid, c->state.pid_start, "", "container `" + c->name + "`"};
}

Result<NsTarget> pid_target(pid_t pid) {
  if (pid <= 0) return fail(Code::kInvalidConfig, "invalid pid " + std::to_string(pid));
  auto start = process_start_time(pid);
  if (!start) return fail(Code::kUnknownContainer, "no such process: " + std::to_string(pid));
  return NsTarget{pid, *start, "", "pid " + std::to_string(pid)};
}

NsTarget netns_target(const std::string& path_or_name) {
  std::string path =
      path_or_name.find('/') == std::string::npos ? "/run/netns/" + path_or_name : path_or_name;
  return NsTarget{0, 0, path, "`" + path + "`"};
}

Result<NsFds> open_namespaces(const NsTarget& t, unsigned which) {
  NsFds fds;
  if (t.pid == 0) {
    if (which & ~kNsNet)
      return fail(Code::kInvalidConfig, "a network namespace file has no other namespaces",
                  "--mount, --pid-ns, --uts, --ipc and --all need a container or --pid");
    // Resolved once, with O_PATH (which opens nothing: a FIFO cannot block it, a device's
    // open never runs), checked, then opened for real through that descriptor.
    UniqueFd probe(::open(t.netns_path.c_str(), O_PATH | O_CLOEXEC));
    if (!probe.valid())
      return std::unexpected(ns_error("open the network namespace", t.label, errno));
    struct statfs sfs {};
    if (::fstatfs(probe.get(), &sfs) != 0 || sfs.f_type != NSFS_MAGIC)
      return fail(Code::kNetns, t.label + " is not a network namespace");
    UniqueFd fd(::open(("/proc/self/fd/" + std::to_string(probe.get())).c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid()) return std::unexpected(ns_error("open the network namespace", t.label, errno));
    int type = ::ioctl(fd.get(), NS_GET_NSTYPE);
    if (type != CLONE_NEWNET) return fail(Code::kNetns, t.label + " is not a network namespace");
    fds.ns[index_of(kNsNet)] = std::move(fd);
    return fds;
  }
  std::string dir = "/proc/" + std::to_string(t.pid);
  for (size_t i = 0; i < kKinds.size(); ++i) {
    if (!(which & kKinds[i].bit)) continue;
    std::string path = dir + "/ns/" + kKinds[i].proc_name;
    fds.ns[i].reset(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fds.ns[i].valid())
      return std::unexpected(
          ns_error(std::string("open the ") + kKinds[i].proc_name + " namespace", t.label, errno));
  }
  if (which & kNsMount) {
    fds.root.reset(::open((dir + "/root").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fds.root.valid())
      return std::unexpected(ns_error("open the root directory", t.label, errno));
  }
  // The descriptors came from the right process only if it is still the same one.
  if (t.pid_start != 0 && !process_alive(t.pid, t.pid_start))
    return fail(Code::kUnknownContainer, t.label + " exited while its namespaces were opened");
  return fds;
}

Result<int> run_in_namespaces(const NsFds& fds, const std::vector<std::string>& argv) {
  // A child does the joining: this process may have threads (setns into a mount
  // namespace refuses those), and it stays outside to report and pass the status on.
  return run_foreground([&](int report) { enter(fds, argv, report); });
}

}  // namespace berth::runtime::debug
