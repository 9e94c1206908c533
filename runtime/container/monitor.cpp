#include "runtime/container/monitor.h"

#include <poll.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <optional>

#include "runtime/container/clock.h"
#include "runtime/container/id.h"
#include "runtime/container/lifecycle.h"
#include "runtime/container/log_file.h"
#include "runtime/container/peers.h"
#include "runtime/process/child_report.h"
#include "runtime/process/proc.h"
#include "runtime/process/terminal.h"

namespace berth::runtime {
namespace {

constexpr int kProxied[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};

// Copies output until the init has exited and both pipes are at EOF (with -t: our input
// to the terminal too); returns the wait status.
int pump(Launched& l, std::optional<LogWriter>& log, const SuperviseOptions& o, int sigfd) {
  int status = 0;
  bool exited = false;
  const bool tty = l.tty.valid();
  int streams[2] = {l.out.get(), l.err.get()};
  bool open[2] = {true, !tty};
  bool input = tty && o.io.stdin_fd >= 0;
  bool echo = o.echo;
  int interrupts = 0;
  if (tty) copy_window_size(o.size_from, l.tty.get());
  while (open[0] || open[1] || !exited) {
    pollfd fds[5] = {{open[0] ? streams[0] : -1, POLLIN, 0},
                     {open[1] ? streams[1] : -1, POLLIN, 0},
                     {exited ? -1 : l.init.pidfd.get(), POLLIN, 0},
                     {exited ? -1 : sigfd, POLLIN, 0},
                     {input && !exited ? o.io.stdin_fd : -1, POLLIN, 0}};
    // Once init is gone the kernel has killed its whole pid namespace, so the pipes close
    // promptly; the timeout only guards against the unforeseen.
    int r = ::poll(fds, 5, exited ? 2000 : -1);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    for (int s = 0; s < 2; ++s) {
      if (!fds[s].revents) continue;
      char buf[16384];
      ssize_t n = ::read(streams[s], buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        open[s] = false;
        continue;
      }
      if (log) log->write(s, {buf, size_t(n)});
      if (echo && !write_all(s + 1, buf, size_t(n))) {
        // Whoever read our output is gone (`run ... | head`): end the container, as a
        // pipeline would end its writer.
        echo = false;
        (void)pidfd_signal(l.init.pidfd.get(), SIGKILL);
      }
    }
    if (fds[3].revents) {
      signalfd_siginfo si{};
      if (::read(sigfd, &si, sizeof si) == sizeof si) {
        int sig = int(si.ssi_signo);
        if (sig == SIGWINCH) {
          copy_window_size(o.size_from, l.tty.get());
        } else {
          // As Docker's CLI: a pid 1 without handlers ignores ^C, so the third one kills.
          if ((sig == SIGINT || sig == SIGTERM) && ++interrupts >= 3) sig = SIGKILL;
          (void)pidfd_signal(l.init.pidfd.get(), sig);
        }
      }
    }
    if (fds[4].revents) {
      char buf[4096];
      ssize_t n = ::read(o.io.stdin_fd, buf, sizeof buf);
      if (n > 0)
        (void)write_all(l.tty.get(), buf, size_t(n));
      else if (n == 0 || errno != EINTR)
        input = false;  // a terminal cannot be half-closed
    }
    if (fds[2].revents) {
      while (::waitpid(l.init.pid, &status, 0) < 0 && errno == EINTR) {
      }
      exited = true;
    }
  }
  if (!exited)
    while (::waitpid(l.init.pid, &status, 0) < 0 && errno == EINTR) {
    }
  if (log) log->flush();
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void sleep_ms(int ms) {
  timespec ts{ms / 1000, long(ms % 1000) * 1'000'000};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

// Waits out the restart back-off, giving up early when someone stopped the container.
bool wait_before_restart(Runtime& rt, const std::string& id, int delay_ms) {
  for (int waited = 0; waited < delay_ms; waited += 50) {
    sleep_ms(std::min(50, delay_ms - waited));
    auto c = rt.store.load(id);
    if (!c || c->state.manually_stopped) return false;
  }
  return true;
}

}  // namespace

int supervise(Runtime& rt, const std::string& id, Launched l, const SuperviseOptions& o) {
  std::optional<LogWriter> log;
  if (auto w = LogWriter::open(rt.store.log_path(id))) log.emplace(std::move(*w));
  UniqueFd sigfd;
  if (o.proxy_signals) {
    sigset_t set;
    sigemptyset(&set);
    for (int s : kProxied) sigaddset(&set, s);
    sigaddset(&set, SIGWINCH);
    sigprocmask(SIG_BLOCK, &set, nullptr);
    sigfd.reset(::signalfd(-1, &set, SFD_CLOEXEC));
  }
  int consecutive = 0;
  for (;;) {
    double started = now_seconds();
    int code = pump(l, log, o, sigfd.get());
    l = Launched{};
    if (now_seconds() - started >= 10) consecutive = 0;

    auto lock = rt.store.lock(id);
    if (!lock) return code;  // removed meanwhile (rm -f)
    auto c = rt.store.load(id);
    if (!c) return code;
    c->state.exit_code = code;
    c->state.oom_killed = Cgroup(rt.cgroups, id).oom_killed();
    c->state.finished_at = now_rfc3339();
    c->state.pid = 0;
    c->state.pid_start = 0;
    const auto left_networks = user_networks(*c);
    if (auto r = teardown(rt, *c); !r) {
      spdlog::warn("container {}: {}", short_id(id), r.error().what());
      c->state.error = r.error().what();
    }
    bool again =
        should_restart(c->config.restart, code, c->state.restart_count, c->state.manually_stopped);
    if (!again) {
      c->state.status = Status::kExited;
      (void)rt.store.save(*c);
      refresh_peer_hosts(rt, left_networks);
      if (c->config.auto_remove) {
        if (auto r = remove_locked(rt, *c); !r)
          spdlog::warn("remove container {}: {}", short_id(id), r.error().what());
      }
      return code;
    }
    c->state.status = Status::kRestarting;
    c->state.restart_count++;
    (void)rt.store.save(*c);
    refresh_peer_hosts(rt, left_networks);
    lock = FileLock();
    if (!wait_before_restart(rt, id, restart_delay_ms(consecutive++))) {
      lock = rt.store.lock(id);
      if (!lock) return code;
      c = rt.store.load(id);
      if (!c) return code;
      c->state.status = Status::kExited;
      (void)rt.store.save(*c);
      return code;
    }
    lock = rt.store.lock(id);
    if (!lock) return code;
    c = rt.store.load(id);
    if (!c) return code;
    auto next = launch(rt, *c, o.io);
    if (!next) {
      c->state.status = Status::kExited;
      c->state.error = next.error().what();
      c->state.exit_code = exit_status_for(next.error());
      (void)rt.store.save(*c);
      return c->state.exit_code;
    }
    (void)rt.store.save(*c);
    refresh_peer_hosts(rt, user_networks(*c));
    l = std::move(*next);
  }
}

}  // namespace berth::runtime
