#include "runtime/process/spawn.h"

#include <fcntl.h>
#include <linux/close_range.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "runtime/process/caps.h"
#include "runtime/process/child_report.h"
#include "runtime/process/terminal.h"
#include "runtime/process/userns.h"
#include "runtime/rootfs/userns_rootfs.h"

namespace berth::runtime {
namespace {

struct ChildArgs {
  const InitSpec* spec;
  int sync_fd;     // read end: one byte = placed in the cgroups, go on to exec
  int report_fd;   // write end, close-on-exec
  int console_fd;  // tty: our end of the socket the terminal's master goes back through
};

Result<> mkdir_p(const std::string& dir) {
  for (size_t pos = 1; pos != std::string::npos;) {
    pos = dir.find('/', pos + 1);
    std::string cur = dir.substr(0, pos);
    if (::mkdir(cur.c_str(), 0755) != 0 && errno != EEXIST)
      return fail_errno(Code::kIo, "create working directory `" + dir + "`", errno);
  }
  return {};
}

// Everything the child can do before it is in its cgroups: join the network namespace,
// name itself, build the rootfs (with /sys/fs/cgroup laid out), take its terminal or
// standard streams.
Result<> prepare(const InitSpec& s, int console_fd, CgroupFsPlan& cgroup_fs) {
  reset_signals();
  if (s.netns_fd >= 0 && ::setns(s.netns_fd, CLONE_NEWNET) != 0)
    return fail_errno(Code::kNetns, "join the network namespace", errno);
  if (!s.hostname.empty() && ::sethostname(s.hostname.data(), s.hostname.size()) != 0)
    return fail_errno(Code::kInternal, "set hostname `" + s.hostname + "`", errno);
  BERTH_TRY(setup_rootfs(s.rootfs));
  cgroup_fs = BERTH_TRY(prepare_cgroup_fs(s.cgroup_fs));
  if (s.workdir != "/") BERTH_TRY(mkdir_p(s.workdir));
  if (::chdir(s.workdir.c_str()) != 0)
    return fail_errno(Code::kIo, "chdir to `" + s.workdir + "`", errno);
  if (s.tty) {
    // After pivot_root: the terminal comes from the container's own devpts, with the size
    // of the one the runtime was started on (still our 0-2 here; a monitor's are /dev/null).
    BERTH_TRY(take_terminal(console_fd, window_size_source()));
  } else {
    int fds[3] = {s.stdin_fd, s.stdout_fd, s.stderr_fd};
    for (int i = 0; i < 3; ++i)
      if (fds[i] >= 0 && fds[i] != i && ::dup2(fds[i], i) < 0)
        return fail_errno(Code::kIo, "set up standard streams", errno);
  }
  return {};
}

// Once in its cgroups, right before exec.
Result<> finish(const InitSpec& s, const CgroupFsPlan& cgroup_fs) {
  // The cgroup namespace's root becomes the cgroup the parent just put us in.
  if (::unshare(CLONE_NEWCGROUP) == 0)
    BERTH_TRY(mount_cgroup_fs(cgroup_fs));  // only now: their root is our cgroup
  else if (errno != EINVAL)
    return fail_errno(Code::kInternal, "create cgroup namespace", errno);
  // Nothing of the runtime's may leak into the container.
  ::syscall(SYS_close_range, 3, UINT_MAX, CLOSE_RANGE_CLOEXEC);
  BERTH_TRY(new_session(s.tty));
  ::umask(022);
  BERTH_TRY(restrict_capabilities());
  return {};
}

int child_main(void* arg) {
  auto* a = static_cast<ChildArgs*>(arg);
  // The parent moves us into our cgroups meanwhile: on cgroup v1 the first move waits out
  // an RCU grace period (~7 ms here), which the rootfs work below now overlaps. What the
  // kernel charges before the move (mount structures) stays with the runtime's cgroup; the
  // command itself only runs once we are placed.
  CgroupFsPlan cgroup_fs;
  auto r = prepare(*a->spec, a->console_fd, cgroup_fs);
  char go = 0;
  // Failed or not, wait: the parent must never place a process that already exited.
  if (::read(a->sync_fd, &go, 1) != 1) _exit(125);  // the parent gave up on us
  ::close(a->sync_fd);
  if (r) r = finish(*a->spec, cgroup_fs);
  Error e = r ? exec_command(a->spec->argv, a->spec->env) : r.error();
  report_child_error(a->report_fd, e);
  _exit(125);
}

constexpr int kFlags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | SIGCHLD;

// With a user namespace the init must be created from inside it, so that its pid, mount,
// uts and ipc namespaces belong to the container's root (else it could not mount /proc or
// set its hostname). A helper child of ours prepares the rootfs's host side, joins the
// namespace and clones the init with CLONE_PARENT: the init is still our child (waitpid,
// SIGCHLD, the monitor's reaping are as without a user namespace). Returns its pid.
Result<pid_t> clone_in_userns(ChildArgs args, std::vector<char>& stack) {
  int pids[2], errs[2];
  if (::pipe2(pids, O_CLOEXEC) != 0) return fail_errno(Code::kIo, "pipe", errno);
  UniqueFd pid_r(pids[0]), pid_w(pids[1]);
  if (::pipe2(errs, O_CLOEXEC) != 0) return fail_errno(Code::kIo, "pipe", errno);
  UniqueFd err_r(errs[0]), err_w(errs[1]);
  pid_t helper = ::fork();
  if (helper < 0) return fail_errno(Code::kInternal, "fork", errno);
  if (helper == 0) {
    const InitSpec& spec = *args.spec;
    auto r = prepare_userns_rootfs(spec.rootfs, spec.userns_fd);
    if (r) r = become_userns_root(spec.userns_fd);
    pid_t pid = -1;
    if (r) {
      pid = ::clone(child_main, stack.data() + stack.size(), (kFlags & ~SIGCHLD) | CLONE_PARENT,
                    &args);
      if (pid < 0) r = fail_errno(Code::kInternal, "clone the container process", errno);
    }
    if (!r) {
      report_child_error(err_w.get(), r.error());
      _exit(125);
    }
    _exit(::write(pid_w.get(), &pid, sizeof pid) == sizeof pid ? 0 : 125);
  }
  pid_w.reset();
  err_w.reset();
  pid_t pid = -1;
  ssize_t n = ::read(pid_r.get(), &pid, sizeof pid);
  while (::waitpid(helper, nullptr, 0) < 0 && errno == EINTR) {
  }
  if (n == ssize_t(sizeof pid)) return pid;
  if (auto r = read_child_report(err_r.get()); !r) return std::unexpected(r.error());
  return fail(Code::kInternal, "clone the container process", "the helper process failed");
}

}  // namespace

void reset_signals() {
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  for (int sig = 1; sig < NSIG; ++sig) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    struct sigaction sa {};
    if (sigaction(sig, nullptr, &sa) == 0 && sa.sa_handler == SIG_IGN) signal(sig, SIG_DFL);
  }
}

Error exec_command(const std::vector<std::string>& argv, const std::vector<std::string>& env) {
  if (argv.empty()) return Error{Code::kInvalidConfig, "no command specified", {}};
  std::vector<char*> args, envp;
  for (const auto& s : argv) args.push_back(const_cast<char*>(s.c_str()));
  args.push_back(nullptr);
  std::string path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  for (const auto& e : env) {
    envp.push_back(const_cast<char*>(e.c_str()));
    if (e.starts_with("PATH=")) path = e.substr(5);
  }
  envp.push_back(nullptr);
  const std::string& cmd = argv[0];
  auto failed = [&](int err) {
    Code code = err == ENOENT || err == ENOTDIR ? kCommandNotFound : kCannotInvoke;
    return Error{code, "exec `" + cmd + "`: " + std::strerror(err), {}};
  };
  if (cmd.find('/') != std::string::npos) {
    ::execve(cmd.c_str(), args.data(), envp.data());
    return failed(errno);
  }
  int last = ENOENT;
  for (size_t start = 0;;) {
    size_t colon = path.find(':', start);
    std::string dir = path.substr(start, colon == std::string::npos ? colon : colon - start);
    std::string full = (dir.empty() ? "." : dir) + "/" + cmd;
    ::execve(full.c_str(), args.data(), envp.data());
    if (errno != ENOENT && errno != ENOTDIR) last = errno;
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  if (last == ENOENT)
    return Error{kCommandNotFound, "exec `" + cmd + "`: executable file not found in $PATH", {}};
  return failed(last);
}

Result<Spawned> spawn_init(const InitSpec& spec, const std::function<Result<>(pid_t)>& place) {
  int sync[2], report[2];
  if (::pipe2(sync, O_CLOEXEC) != 0) return fail_errno(Code::kIo, "pipe", errno);
  UniqueFd sync_r(sync[0]), sync_w(sync[1]);
  if (::pipe2(report, O_CLOEXEC) != 0) return fail_errno(Code::kIo, "pipe", errno);
  UniqueFd report_r(report[0]), report_w(report[1]);

  int console[2] = {-1, -1};
  if (spec.tty && ::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, console) != 0)
    return fail_errno(Code::kIo, "socketpair", errno);
  UniqueFd console_parent(console[0]), console_child(console[1]);
  ChildArgs args{&spec, sync_r.get(), report_w.get(), console_child.get()};
  // The child gets a copy of this memory (no CLONE_VM), so a plain buffer is its stack.
  std::vector<char> stack(1 << 20);
  pid_t pid = -1;
  if (spec.userns_fd >= 0) {
    pid = BERTH_TRY(clone_in_userns(args, stack));
  } else {
    pid = ::clone(child_main, stack.data() + stack.size(), kFlags, &args);
    if (pid < 0) return fail_errno(Code::kInternal, "clone the container process", errno);
  }
  sync_r.reset();
  report_w.reset();
  console_child.reset();
  auto reap = [pid] {
    ::kill(pid, SIGKILL);
    while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
  };
  UniqueFd pidfd(int(::syscall(SYS_pidfd_open, pid, 0)));
  if (!pidfd.valid()) {
    int err = errno;
    reap();
    return fail_errno(Code::kInternal, "pidfd_open", err);
  }
  if (auto r = place(pid); !r) {
    reap();
    return std::unexpected(r.error());
  }
  char go = 1;
  if (::write(sync_w.get(), &go, 1) != 1) {
    reap();
    return fail_errno(Code::kInternal, "start the container process", errno);
  }
  sync_w.reset();
  // Before the report: the child sends the terminal, then execs (or fails and says why).
  UniqueFd tty;
  if (spec.tty) tty = recv_fd(console_parent.get());
  if (auto r = read_child_report(report_r.get()); !r) {
    reap();
    return std::unexpected(r.error());
  }
  if (spec.tty && !tty.valid()) {
    reap();
    return fail(Code::kInternal, "the container's terminal did not arrive");
  }
  return Spawned{pid, std::move(pidfd), std::move(tty)};
}

}  // namespace berth::runtime
