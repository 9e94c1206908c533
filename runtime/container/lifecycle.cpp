#include "runtime/container/lifecycle.h"

#include <fcntl.h>
#include <linux/close_range.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>

#include "runtime/container/clock.h"
#include "runtime/container/id.h"
#include "runtime/container/monitor.h"
#include "runtime/container/peers.h"
#include "runtime/process/child_report.h"
#include "runtime/process/proc.h"
#include "runtime/process/terminal.h"
#include "runtime/rootfs/tree.h"

namespace berth::runtime {
namespace {

void sleep_ms(int ms) {
  timespec ts{ms / 1000, long(ms % 1000) * 1'000'000};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

// Waits until the record no longer says running (the monitor recorded the exit), or
// reconciles it when the monitor is gone too.
Result<> wait_recorded(Runtime& rt, const std::string& id, int timeout_ms) {
  for (int waited = 0;; waited += 10) {
    auto c = rt.store.load(id);
    if (!c || !is_active(c->state.status)) return {};
    if (!process_alive(c->state.monitor_pid, c->state.monitor_start)) {
      auto r = load_reconciled(rt, id);
      if (!r || !is_active(r->state.status)) return {};
    }
    if (waited >= timeout_ms)
      return fail(Code::kTryAgainLater, "container `" + short_id(id) + "` did not stop in time");
    sleep_ms(10);
  }
}

void set_monitor(Container& c, pid_t pid) {
  c.state.monitor_pid = pid;
  c.state.monitor_start = process_start_time(pid).value_or(0);
}

// A start that failed: the record keeps the error and the exit status Docker would show.
void record_start_failure(Runtime& rt, Container& c, const Error& e) {
  if (c.state.status != Status::kCreated) c.state.status = Status::kExited;
  c.state.error = e.what();
  c.state.exit_code = exit_status_for(e);
  c.state.pid = 0;
  (void)rt.store.save(c);
}

// The detached monitor: runs in the grandchild of `start`, in its own session.
[[noreturn]] void monitor_main(Runtime& rt, const std::string& id, FileLock lock, int report_fd) {
  int devnull = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  for (int fd = 0; fd < 3; ++fd) ::dup2(devnull, fd);
  ::signal(SIGPIPE, SIG_IGN);
  ::signal(SIGHUP, SIG_IGN);
  // A long-lived process must not pin the directory berth was started from.
  if (::chdir("/") != 0) _exit(1);
  auto c = rt.store.load(id);
  if (!c) {
    report_child_error(report_fd, c.error());
    _exit(1);
  }
  set_monitor(*c, ::getpid());
  auto l = launch(rt, *c, {});
  if (!l) {
    record_start_failure(rt, *c, l.error());
    report_child_error(report_fd, l.error());
    _exit(1);
  }
  (void)rt.store.save(*c);
  refresh_peer_hosts(rt, user_networks(*c));
  ::close(report_fd);  // EOF: the `start` that waits on it returns success
  lock = FileLock();   // and the container lock is free once `start` lets go too
  supervise(rt, id, std::move(*l), {});
  _exit(0);
}

// A paused container is thawed before it is signalled: frozen tasks would not act on it.
void thaw_if_paused(Runtime& rt, Container& c) {
  if (c.state.status != Status::kPaused) return;
  (void)Cgroup(rt.cgroups, c.id).freeze(false);
  c.state.status = Status::kRunning;
}

// Closes every descriptor but 0-2 and `keep`: the monitor lives long and execs plugins.
void close_other_fds(std::initializer_list<int> keep) {
  int next = 3;
  std::vector<int> sorted(keep);
  std::sort(sorted.begin(), sorted.end());
  for (int k : sorted) {
    if (k > next) ::syscall(SYS_close_range, next, k - 1, 0);
    next = std::max(next, k + 1);
  }
  ::syscall(SYS_close_range, next, UINT_MAX, 0);
}

}  // namespace

Result<> start_detached(Runtime& rt, const std::string& id) {
  auto lock = BERTH_TRY(rt.store.lock(id));
  auto c = BERTH_TRY(rt.store.load(id));
  BERTH_TRY(reconcile_locked(rt, c));
  if (is_active(c.state.status)) return {};
  if (c.state.status == Status::kRemoving || c.state.status == Status::kDead)
    return fail(Code::kInvalidConfig, "container `" + c.name + "` is being removed");
  c.state.manually_stopped = false;
  BERTH_TRY(rt.store.save(c));
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) return fail_errno(Code::kIo, "pipe", errno);
  UniqueFd report_r(report[0]), report_w(report[1]);
  std::fflush(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) return fail_errno(Code::kInternal, "fork the monitor", errno);
  if (pid == 0) {
    // Double fork + setsid: the monitor is nobody's child and has no terminal.
    ::setsid();
    if (::fork() != 0) _exit(0);
    report_r.reset();
    close_other_fds({report_w.get(), lock.fd()});
    monitor_main(rt, id, std::move(lock), report_w.release());
  }
  report_w.reset();
  while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
  return read_child_report(report_r.get());
}

Result<int> run_attached(Runtime& rt, const std::string& id, const LaunchIo& io) {
  auto lock = BERTH_TRY(rt.store.lock(id));
  auto c = BERTH_TRY(rt.store.load(id));
  if (is_active(c.state.status))
    return fail(Code::kInvalidConfig, "container `" + c.name + "` is running");
  c.state.manually_stopped = false;
  set_monitor(c, ::getpid());
  auto l = launch(rt, c, io);
  if (!l) {
    record_start_failure(rt, c, l.error());
    if (c.config.auto_remove) (void)remove_locked(rt, c);
    return std::unexpected(l.error());
  }
  BERTH_TRY(rt.store.save(c));
  lock = FileLock();
  refresh_peer_hosts(rt, user_networks(c));
  // -it on a terminal: ours goes raw so that every key reaches the container's terminal.
  RawMode raw(c.config.tty ? io.stdin_fd : -1);
  ::signal(SIGPIPE, SIG_IGN);  // a closed stdout must not kill the container's monitor
  SuperviseOptions o;
  o.echo = true;
  o.proxy_signals = true;
  o.io = io;
  o.size_from = window_size_source();  // the user's terminal, with -i or without
  return supervise(rt, id, std::move(*l), o);
}

Result<> stop_container(Runtime& rt, const std::string& id, int timeout_s) {
  Container c;
  {
    auto lock = BERTH_TRY(rt.store.lock(id));
    c = BERTH_TRY(rt.store.load(id));
    BERTH_TRY(reconcile_locked(rt, c));
    if (!is_active(c.state.status)) return {};
    c.state.manually_stopped = true;
    thaw_if_paused(rt, c);
    BERTH_TRY(rt.store.save(c));
  }
  if (auto pfd = open_pidfd(c.state.pid, c.state.pid_start)) {
    BERTH_TRY(pidfd_signal(pfd->get(), SIGTERM));
    if (!pidfd_wait(pfd->get(), timeout_s * 1000)) {
      BERTH_TRY(pidfd_signal(pfd->get(), SIGKILL));
      pidfd_wait(pfd->get(), 10000);
    }
  }
  return wait_recorded(rt, id, 15000);
}

Result<> kill_container(Runtime& rt, const std::string& id, int sig) {
  auto lock = BERTH_TRY(rt.store.lock(id));
  auto c = BERTH_TRY(rt.store.load(id));
  BERTH_TRY(reconcile_locked(rt, c));
  auto pfd = open_pidfd(c.state.pid, c.state.pid_start);
  if (c.state.status == Status::kPaused && (sig == SIGKILL || sig == SIGTERM)) {
    thaw_if_paused(rt, c);
    BERTH_TRY(rt.store.save(c));
  }
  if (c.state.status != Status::kRunning || !pfd)
    return fail(Code::kInvalidConfig, "container `" + c.name + "` is not running");
  // Signals that end a container count as a manual stop: no restart afterwards.
  if (sig == SIGKILL || sig == SIGTERM || sig == SIGINT || sig == SIGQUIT) {
    c.state.manually_stopped = true;
    BERTH_TRY(rt.store.save(c));
  }
  return pidfd_signal(pfd->get(), sig);
}

Result<> remove_locked(Runtime& rt, Container& c) {
  c.state.status = Status::kRemoving;
  BERTH_TRY(rt.store.save(c));
  if (auto r = teardown(rt, c); !r) {
    c.state.status = Status::kDead;
    c.state.error = r.error().what();
    (void)rt.store.save(c);
    return std::unexpected(
        r.error().wrap("remove container `" + c.name + "` (marked dead; retry rm)"));
  }
  return remove_tree(rt.store.dir(c.id));
}

Result<> remove_container(Runtime& rt, const std::string& id, bool force) {
  auto lock = BERTH_TRY(rt.store.lock(id));
  auto c = BERTH_TRY(rt.store.load(id));
  BERTH_TRY(reconcile_locked(rt, c));
  if (is_active(c.state.status)) {
    if (!force)
      return fail(Code::kInvalidConfig, "cannot remove running container `" + c.name + "`",
                  "stop it first, or use rm -f");
    c.state.manually_stopped = true;
    thaw_if_paused(rt, c);
    BERTH_TRY(rt.store.save(c));
    if (auto pfd = open_pidfd(c.state.pid, c.state.pid_start)) {
      (void)pidfd_signal(pfd->get(), SIGKILL);
      pidfd_wait(pfd->get(), 10000);
    }
    lock = FileLock();  // the monitor records the exit under this lock
    BERTH_TRY(wait_recorded(rt, id, 15000));
    // With --rm the monitor may have removed it already: that is what was asked.
    auto relock = rt.store.lock(id);
    if (!relock) {
      if (relock.error().code == Code::kUnknownContainer) return {};
      return std::unexpected(relock.error());
    }
    lock = std::move(*relock);
    auto again = rt.store.load(id);
    if (!again)
      return again.error().code == Code::kUnknownContainer ? Result<>{}
                                                           : std::unexpected(again.error());
    c = std::move(*again);
  }
  return remove_locked(rt, c);
}

}  // namespace berth::runtime
