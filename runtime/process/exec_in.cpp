#include "runtime/process/exec_in.h"

#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "core/fd.h"
#include "runtime/cgroup/limits.h"
#include "runtime/process/caps.h"
#include "runtime/process/child_report.h"
#include "runtime/process/proc.h"
#include "runtime/process/spawn.h"
#include "runtime/process/terminal.h"

namespace berth::runtime {
namespace {

// Join order: user first (the others belong to it, and joining it gives the capabilities
// inside that joining them needs); mnt last, because after it /proc/<pid>/ns paths would
// mean nothing (the descriptors are opened up front anyway) and the root changes with it.
constexpr std::pair<const char*, int> kNamespaces[] = {
    {"user", CLONE_NEWUSER}, {"cgroup", CLONE_NEWCGROUP}, {"ipc", CLONE_NEWIPC},
    {"uts", CLONE_NEWUTS},   {"net", CLONE_NEWNET},       {"pid", CLONE_NEWPID},
    {"mnt", CLONE_NEWNS}};

// In the first child: joins everything, forks the command into the pid namespace and
// passes its status on. With a `console` socket (-t), the command takes a terminal from
// the container's devpts (of the size of our `size_from`) and sends its master there.
// Never returns.
[[noreturn]] void enter(const ExecSpec& s, std::vector<UniqueFd>& ns, int report, int console,
                        int size_from) {
  for (const auto& dir : s.cgroups) {
    if (auto r = write_cgroup_file(dir, "cgroup.procs", std::to_string(::getpid())); !r) {
      report_child_error(report, r.error());
      _exit(125);
    }
  }
  for (size_t i = 0; i < ns.size(); ++i) {
    if (ns[i].valid() && ::setns(ns[i].get(), kNamespaces[i].second) != 0) {
      report_child_error(report, Error{Code::kInternal,
                                       std::string("join the container's ") + kNamespaces[i].first +
                                           " namespace: " + std::strerror(errno),
                                       {}});
      _exit(125);
    }
  }
  // In the container's user namespace our host ids mean nothing: become its root.
  if (ns[0].valid() &&
      (::setresgid(0, 0, 0) != 0 || ::setgroups(0, nullptr) != 0 || ::setresuid(0, 0, 0) != 0)) {
    report_child_error(report, Error{Code::kInternal,
                                     "become root in the container's user namespace: " +
                                         std::string(std::strerror(errno)),
                                     {}});
    _exit(125);
  }
  pid_t pid = ::fork();
  if (pid < 0) {
    report_child_error(
        report,
        Error{
            Code::kInternal, "fork into the container: " + std::string(std::strerror(errno)), {}});
    _exit(125);
  }
  if (pid == 0) {
    reset_signals();
    Result<> r;
    // In the container's mount namespace: /dev/pts is its own devpts.
    if (console >= 0) r = take_terminal(console, size_from);
    if (r && ::chdir(s.workdir.c_str()) != 0)
      r = fail_errno(Code::kIo, "chdir to `" + s.workdir + "`", errno);
    if (r && console >= 0) r = new_session(true);
    if (r) r = restrict_capabilities();
    Error e = r ? exec_command(s.argv, s.env) : r.error();
    report_child_error(report, e);
    _exit(125);
  }
  ::close(report);
  if (console >= 0) ::close(console);
  _exit(wait_status(pid));
}

// -t: the command's terminal is relayed to ours until it has exited.
Result<int> exec_on_terminal(const ExecSpec& s, std::vector<UniqueFd>& ns) {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
    return fail_errno(Code::kIo, "socketpair", errno);
  UniqueFd ours(sv[0]), theirs(sv[1]);
  // A reader of our output that went away must not kill us with our terminal raw.
  struct sigaction ign {};
  struct sigaction old_pipe {};
  ign.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ign, &old_pipe);
  const int size_from = window_size_source();
  Result<int> status;
  {
    TerminalSignals signals;
    RawMode raw(s.keep_stdin ? STDIN_FILENO : -1);
    status = run_foreground(
        [&](int report) {
          ours.reset();
          enter(s, ns, report, theirs.get(), size_from);
        },
        [&](pid_t pid) {
          theirs.reset();  // else a command that never sent its terminal would block us
          UniqueFd master = recv_fd(ours.get());
          if (!master.valid()) return;
          UniqueFd done(int(::syscall(SYS_pidfd_open, pid, 0)));
          TerminalRelay r;
          r.master = master.get();
          r.input = s.keep_stdin ? STDIN_FILENO : -1;
          r.output = STDOUT_FILENO;
          r.size_from = size_from;
          r.signal_fd = signals.fd();
          r.done_fd = done.get();
          relay_terminal(r);
        });
  }
  ::sigaction(SIGPIPE, &old_pipe, nullptr);
  return status;
}

}  // namespace

Result<int> exec_in(const ExecSpec& s) {
  std::vector<UniqueFd> ns;
  for (const auto& [name, flag] : kNamespaces) {
    std::string path = "/proc/" + std::to_string(s.pid) + "/ns/" + name;
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd.valid() && errno != ENOENT)
      return fail_errno(Code::kUnknownContainer, "open `" + path + "`", errno);
    ns.push_back(std::move(fd));
  }
  // The user namespace is joined only when it is not ours (setns into our own fails).
  struct stat mine {}, theirs {};
  if (ns[0].valid() && ::stat("/proc/self/ns/user", &mine) == 0 &&
      ::fstat(ns[0].get(), &theirs) == 0 && mine.st_ino == theirs.st_ino &&
      mine.st_dev == theirs.st_dev)
    ns[0].reset();
  // The descriptors were opened from the right process only if it is still the same one.
  if (!process_alive(s.pid, s.pid_start))
    return fail(Code::kInvalidConfig, "the container is not running");
  if (s.tty) return exec_on_terminal(s, ns);
  UniqueFd devnull(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  return run_foreground([&](int report) {
    if (!s.keep_stdin) ::dup2(devnull.get(), 0);
    enter(s, ns, report, -1, -1);
  });
}

}  // namespace berth::runtime
