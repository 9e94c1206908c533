// Shared by the runtime's terminal tests (exec -t, run -t): a pty made here whose slave is
// the controlling terminal of a wrapper shell, steps played against what it shows, and a
// look at its line discipline from a second opening.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "tests/netns/runtime_helpers.h"

namespace berth::test {

inline bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

inline std::string strip_cr(std::string s) {
  std::erase(s, '\r');
  return s;
}

// Once `when` has appeared on the terminal (after the previous step's text), `act` runs
// with the master and the slave's path: it types, resizes or looks at the terminal.
struct Step {
  std::string when;
  std::function<void(int master, const std::string& slave)> act;
};

struct TermRun {
  int rc = -1;      // the wrapper shell's exit status
  std::string out;  // everything the terminal showed, \r removed
  bool timed_out = false;
};

// Runs `sh -c script` as the session leader of a new terminal (24x80 to start with) and
// plays `steps` against it; returns once every writer of the terminal is gone.
inline TermRun on_terminal(const std::string& script, std::vector<Step> steps = {}) {
  int master = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  REQUIRE(master >= 0);
  char name[64] = {};
  REQUIRE(::grantpt(master) == 0);
  REQUIRE(::unlockpt(master) == 0);
  REQUIRE(::ptsname_r(master, name, sizeof name) == 0);
  winsize ws{24, 80, 0, 0};
  ::ioctl(master, TIOCSWINSZ, &ws);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::setsid();
    int slave = ::open(name, O_RDWR);
    if (slave < 0 || ::ioctl(slave, TIOCSCTTY, 0) != 0) _exit(126);
    for (int i = 0; i < 3; ++i) ::dup2(slave, i);
    if (slave > 2) ::close(slave);
    ::execl("/bin/sh", "sh", "-c", script.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  TermRun r;
  std::string raw;
  size_t step = 0, from = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  for (;;) {
    while (step < steps.size()) {
      size_t at = raw.find(steps[step].when, from);
      if (at == std::string::npos) break;
      from = at + steps[step].when.size();
      steps[step++].act(master, name);
    }
    if (std::chrono::steady_clock::now() > deadline) {
      r.timed_out = true;
      ::kill(-pid, SIGKILL);
      break;
    }
    pollfd p{master, POLLIN, 0};
    if (::poll(&p, 1, 200) <= 0) continue;
    char buf[4096];
    ssize_t n = ::read(master, buf, sizeof buf);
    if (n > 0)
      raw.append(buf, size_t(n));
    else if (n == 0 || errno != EINTR)
      break;  // EIO: nobody has the terminal open any more
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  ::close(master);
  r.rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = strip_cr(raw);
  INFO("terminal showed:\n" << r.out);
  CHECK_FALSE(r.timed_out);
  return r;
}

// What the terminal's line discipline is doing right now, seen from a second opening.
inline termios modes_of(const std::string& slave) {
  termios t{};
  int fd = ::open(slave.c_str(), O_RDWR | O_NOCTTY);
  REQUIRE(fd >= 0);
  REQUIRE(::tcgetattr(fd, &t) == 0);
  ::close(fd);
  return t;
}

inline void type(int master, const std::string& keys) {
  REQUIRE(::write(master, keys.data(), keys.size()) == ssize_t(keys.size()));
}

inline std::string berth_cmd(const Berth& berth) {
  return bin_dir() + "/berth --root " + berth.root();
}

}  // namespace berth::test
