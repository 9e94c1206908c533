#include "runtime/process/proc.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <string>

namespace berth::runtime {
namespace {

struct StatFields {
  char state = '?';
  uint64_t start = 0;
};

std::optional<StatFields> read_stat(pid_t pid) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/stat", pid);
  UniqueFd fd(::open(path, O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return std::nullopt;
  char buf[1024];
  ssize_t n = ::read(fd.get(), buf, sizeof buf - 1);
  if (n <= 0) return std::nullopt;
  buf[n] = 0;
  // The command name (field 2) may hold spaces and parentheses: parse after the last ')'.
  std::string s(buf, size_t(n));
  auto close = s.rfind(')');
  if (close == std::string::npos || close + 2 >= s.size()) return std::nullopt;
  StatFields f;
  f.state = s[close + 2];
  // Fields after ')' start at field 3 (state); the start time is field 22.
  size_t pos = close + 2;
  for (int field = 3; field < 22; ++field) {
    pos = s.find(' ', pos);
    if (pos == std::string::npos) return std::nullopt;
    ++pos;
  }
  f.start = std::strtoull(s.c_str() + pos, nullptr, 10);
  return f;
}

}  // namespace

std::optional<uint64_t> process_start_time(pid_t pid) {
  if (pid <= 0) return std::nullopt;
  auto f = read_stat(pid);
  if (!f || f->state == 'Z' || f->state == 'X') return std::nullopt;
  return f->start;
}

bool process_alive(pid_t pid, uint64_t start) {
  auto s = process_start_time(pid);
  return s && *s == start;
}

Result<UniqueFd> open_pidfd(pid_t pid, uint64_t start) {
  if (pid <= 0) return fail(Code::kUnknownContainer, "no process");
  UniqueFd fd(int(::syscall(SYS_pidfd_open, pid, 0)));
  if (!fd.valid()) {
    if (errno == ESRCH)
      return fail(Code::kUnknownContainer, "process " + std::to_string(pid) + " is gone");
    return fail_errno(Code::kIo, "pidfd_open " + std::to_string(pid), errno);
  }
  // Checked after opening: from here on the pidfd pins this very process.
  if (!process_alive(pid, start))
    return fail(Code::kUnknownContainer, "process " + std::to_string(pid) + " is gone");
  return fd;
}

Result<> pidfd_signal(int pidfd, int sig) {
  if (::syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0) != 0 && errno != ESRCH)
    return fail_errno(Code::kIo, "send signal " + std::to_string(sig), errno);
  return {};
}

bool pidfd_wait(int pidfd, int timeout_ms) {
  pollfd p{pidfd, POLLIN, 0};
  for (;;) {
    int r = ::poll(&p, 1, timeout_ms);
    if (r > 0) return true;
    if (r == 0) return false;
    if (errno != EINTR) return true;
  }
}

}  // namespace berth::runtime
