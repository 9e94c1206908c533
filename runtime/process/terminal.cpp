#include "runtime/process/terminal.h"

#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>

namespace berth::runtime {
namespace {

// Sends `sig` to the terminal's foreground process group, as the terminal itself would.
void signal_foreground(int master, int sig) {
  pid_t pgrp = ::tcgetpgrp(master);  // in our pid namespace's numbers
  if (pgrp > 0) ::kill(-pgrp, sig);
}

}  // namespace

bool send_fd(int sock, int fd) {
  char byte = 0;
  iovec iov{&byte, 1};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  cmsghdr* cm = CMSG_FIRSTHDR(&msg);
  cm->cmsg_level = SOL_SOCKET;
  cm->cmsg_type = SCM_RIGHTS;
  cm->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(cm), &fd, sizeof fd);
  return ::sendmsg(sock, &msg, MSG_NOSIGNAL) == 1;
}

UniqueFd recv_fd(int sock) {
  char byte = 0;
  iovec iov{&byte, 1};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n;
  while ((n = ::recvmsg(sock, &msg, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR) {
  }
  if (n != 1) return UniqueFd();
  cmsghdr* cm = CMSG_FIRSTHDR(&msg);
  if (!cm || cm->cmsg_type != SCM_RIGHTS) return UniqueFd();
  int fd = -1;
  std::memcpy(&fd, CMSG_DATA(cm), sizeof fd);
  return UniqueFd(fd);
}

Result<> take_terminal(int console_fd, int size_from) {
  UniqueFd master(::open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC));
  char name[64];
  if (!master.valid() || ::unlockpt(master.get()) != 0 ||
      ::ptsname_r(master.get(), name, sizeof name) != 0)
    return fail_errno(Code::kIo, "allocate a terminal", errno);
  UniqueFd slave(::open(name, O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (!slave.valid())
    return fail_errno(Code::kIo, "open terminal `" + std::string(name) + "`", errno);
  copy_window_size(size_from, slave.get());
  if (!send_fd(console_fd, master.get()))
    return fail_errno(Code::kIo, "hand over the terminal", errno);
  for (int i = 0; i < 3; ++i)
    if (::dup2(slave.get(), i) < 0) return fail_errno(Code::kIo, "set up the terminal", errno);
  return {};
}

Result<> new_session(bool tty) {
  ::setsid();
  if (tty && ::ioctl(0, TIOCSCTTY, 0) != 0)
    return fail_errno(Code::kIo, "make the terminal the controlling one", errno);
  return {};
}

bool write_all(int fd, const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= size_t(w);
  }
  return true;
}

void copy_window_size(int from, int to) {
  winsize ws{};
  if (from >= 0 && to >= 0 && ::ioctl(from, TIOCGWINSZ, &ws) == 0) ::ioctl(to, TIOCSWINSZ, &ws);
}

int window_size_source() {
  if (::isatty(STDOUT_FILENO)) return STDOUT_FILENO;
  return ::isatty(STDIN_FILENO) ? STDIN_FILENO : -1;
}

RawMode::RawMode(int fd) {
  if (fd < 0 || !::isatty(fd) || ::tcgetattr(fd, &saved_) != 0) return;
  termios t = saved_;
  ::cfmakeraw(&t);
  if (::tcsetattr(fd, TCSANOW, &t) == 0) fd_ = fd;
}

RawMode::~RawMode() {
  if (fd_ >= 0) ::tcsetattr(fd_, TCSANOW, &saved_);
}

TerminalSignals::TerminalSignals() {
  sigset_t set;
  sigemptyset(&set);
  for (int s : {SIGWINCH, SIGINT, SIGQUIT, SIGTERM, SIGHUP}) sigaddset(&set, s);
  ::sigprocmask(SIG_BLOCK, &set, &old_);
  fd_.reset(::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
}

TerminalSignals::~TerminalSignals() {
  // Left pending, they would strike once unblocked, after the command they were for.
  signalfd_siginfo si{};
  while (fd_.valid() && ::read(fd_.get(), &si, sizeof si) == sizeof si) {
  }
  ::sigprocmask(SIG_SETMASK, &old_, nullptr);
}

void relay_terminal(const TerminalRelay& r) {
  using Clock = std::chrono::steady_clock;
  // Once the process has exited, what is still in the terminal is copied; a background
  // process that kept the terminal open holds us no longer than this.
  constexpr auto kDrainIdle = std::chrono::milliseconds(100);
  constexpr auto kDrainMax = std::chrono::seconds(1);
  bool output = true;  // the terminal still has writers (EIO once none is left)
  bool echo = true;    // our output still takes what it says
  bool input = r.input >= 0;
  bool exited = r.done_fd < 0;
  Clock::time_point drain_end = Clock::now() + kDrainMax;
  copy_window_size(r.size_from, r.master);
  while (output || !exited) {
    if (exited && Clock::now() >= drain_end) break;
    pollfd fds[4] = {{output ? r.master : -1, POLLIN, 0},
                     {exited ? -1 : r.signal_fd, POLLIN, 0},
                     {input && output && !exited ? r.input : -1, POLLIN, 0},
                     {exited ? -1 : r.done_fd, POLLIN, 0}};
    int n = ::poll(fds, 4, exited ? int(kDrainIdle.count()) : -1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // a poll failure, or drained: nothing more came
    if (fds[0].revents) {
      char buf[16384];
      ssize_t got = ::read(r.master, buf, sizeof buf);
      if (got > 0) {
        if (echo && !write_all(r.output, buf, size_t(got))) {
          echo = false;
          signal_foreground(r.master, SIGHUP);
        }
      } else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
        output = false;
      }
    }
    // Before input: a resize that came with a key press applies before the key arrives.
    if (fds[1].revents) {
      signalfd_siginfo si{};
      while (::read(r.signal_fd, &si, sizeof si) == sizeof si) {
        int sig = int(si.ssi_signo);
        if (sig == SIGWINCH)
          copy_window_size(r.size_from, r.master);
        else
          signal_foreground(r.master, sig);
      }
    }
    if (fds[2].revents) {
      char buf[4096];
      ssize_t got = ::read(r.input, buf, sizeof buf);
      if (got > 0)
        (void)write_all(r.master, buf, size_t(got));
      else if (got == 0 || errno != EINTR)
        input = false;  // a terminal cannot be half-closed: the command keeps its own
    }
    if (fds[3].revents) {
      exited = true;
      drain_end = Clock::now() + kDrainMax;
    }
  }
}

}  // namespace berth::runtime
