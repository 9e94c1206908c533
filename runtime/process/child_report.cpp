#include "runtime/process/child_report.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

#include "core/fd.h"

namespace berth::runtime {

void report_child_error(int fd, const Error& e) noexcept {
  // One buffer, one write: [int code][msg]\0[details]. Pipes keep writes up to PIPE_BUF whole.
  std::string buf(sizeof(int), '\0');
  int code = static_cast<int>(e.code);
  std::memcpy(buf.data(), &code, sizeof code);
  buf += e.msg.substr(0, 3000);
  buf += '\0';
  buf += e.details.substr(0, 900);
  (void)!::write(fd, buf.data(), buf.size());
}

Result<> read_child_report(int fd) {
  std::string buf;
  char chunk[4096];
  for (;;) {
    ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    buf.append(chunk, size_t(n));
  }
  if (buf.empty()) return {};
  if (buf.size() < sizeof(int))
    return fail(Code::kInternal, "container setup failed (truncated report)");
  int code = 0;
  std::memcpy(&code, buf.data(), sizeof code);
  std::string rest = buf.substr(sizeof code);
  auto nul = rest.find('\0');
  std::string details = nul == std::string::npos ? "" : rest.substr(nul + 1);
  rest.resize(std::min(nul, rest.size()));
  return std::unexpected(Error{static_cast<Code>(code), rest, details});
}

int exit_status_for(const Error& e) {
  if (e.code == kCannotInvoke) return 126;
  if (e.code == kCommandNotFound) return 127;
  return 125;
}

int wait_status(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0)
    if (errno != EINTR) return 255;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

Result<int> run_foreground(const std::function<void(int report_fd)>& child,
                           const std::function<void(pid_t)>& attend) {
  int report[2];
  if (::pipe2(report, O_CLOEXEC) != 0) return fail_errno(Code::kIo, "pipe", errno);
  UniqueFd report_r(report[0]), report_w(report[1]);
  struct sigaction ign {
  }, old_int{}, old_quit{};
  ign.sa_handler = SIG_IGN;
  ::sigaction(SIGINT, &ign, &old_int);
  ::sigaction(SIGQUIT, &ign, &old_quit);
  pid_t pid = ::fork();
  if (pid == 0) {
    report_r.reset();
    child(report_w.get());
    _exit(125);  // `child` must not return; if it does, it failed to say why
  }
  report_w.reset();
  Result<> started =
      pid < 0 ? fail_errno(Code::kInternal, "fork", errno) : read_child_report(report_r.get());
  if (started && pid > 0 && attend) attend(pid);
  int status = pid > 0 ? wait_status(pid) : 255;
  ::sigaction(SIGINT, &old_int, nullptr);
  ::sigaction(SIGQUIT, &old_quit, nullptr);
  if (!started) return std::unexpected(started.error());
  return status;
}

}  // namespace berth::runtime
