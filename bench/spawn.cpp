#include "bench/spawn.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace berth::bench {
namespace {

double now_ms() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return double(ts.tv_sec) * 1e3 + double(ts.tv_nsec) / 1e6;
}

void close_fd(int& fd) {
  if (fd >= 0) close(fd);
  fd = -1;
}

}  // namespace

Exec spawn(const std::string& exe, const std::vector<std::string>& env,
           const std::string& stdin_data) {
  return spawn_argv({exe}, env, stdin_data);
}

Exec spawn_argv(const std::vector<std::string>& args, const std::vector<std::string>& env,
                const std::string& stdin_data, int inherit_fd) {
  Exec r;
  // Everything the child needs is built before fork(): afterwards it only calls
  // async-signal-safe functions.
  std::vector<std::string> env_copy = env;
  std::vector<char*> envp;
  for (auto& s : env_copy) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> args_copy = args;
  std::vector<char*> argv;
  for (auto& a : args_copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  static const char kExecFailed[] = "berth-bench: execve failed\n";

  int in[2], out[2], err[2];
  if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) {
    r.exit_code = 127;
    r.err = std::string("pipe: ") + std::strerror(errno);
    return r;
  }

  const double start = now_ms();
  pid_t pid = fork();
  if (pid == 0) {
    // dup2 onto 0/1/2 clears O_CLOEXEC there; every other pipe end closes on exec.
    dup2(in[0], 0);
    dup2(out[1], 1);
    dup2(err[1], 2);
    if (inherit_fd == 3) fcntl(3, F_SETFD, 0);  // dup2 onto itself would keep O_CLOEXEC
    else if (inherit_fd >= 0) dup2(inherit_fd, 3);
    // We ignore SIGPIPE; the plugin gets the default disposition, as from any runtime.
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    sigaction(SIGPIPE, &dfl, nullptr);
    execve(argv[0], argv.data(), envp.data());
    (void)!write(2, kExecFailed, sizeof kExecFailed - 1);
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  close(err[1]);
  if (pid < 0) {
    r.exit_code = 127;
    r.err = std::string("fork: ") + std::strerror(errno);
    close(in[1]);
    close(out[0]);
    close(err[0]);
    return r;
  }

  // Feed stdin and drain stdout/stderr together, so no pipe can fill up and stall either side.
  int in_fd = in[1], out_fd = out[0], err_fd = err[0];
  fcntl(in_fd, F_SETFL, O_NONBLOCK);
  size_t written = 0;
  if (stdin_data.empty()) close_fd(in_fd);
  char buf[16384];
  while (in_fd >= 0 || out_fd >= 0 || err_fd >= 0) {
    pollfd fds[3] = {{in_fd, POLLOUT, 0}, {out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
    if (poll(fds, 3, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (in_fd >= 0 && (fds[0].revents & (POLLOUT | POLLERR | POLLHUP))) {
      ssize_t n = write(in_fd, stdin_data.data() + written, stdin_data.size() - written);
      if (n > 0) written += size_t(n);
      if (n < 0 && errno != EAGAIN && errno != EINTR)
        written = stdin_data.size();  // EPIPE: it stopped reading
      if (written >= stdin_data.size()) close_fd(in_fd);
    }
    for (int i = 1; i < 3; ++i) {
      int& fd = i == 1 ? out_fd : err_fd;
      if (fd < 0 || !(fds[i].revents & (POLLIN | POLLERR | POLLHUP))) continue;
      ssize_t n = read(fd, buf, sizeof buf);
      if (n > 0) {
        (i == 1 ? r.out : r.err).append(buf, size_t(n));
      } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
        close_fd(fd);
      }
    }
  }
  close_fd(in_fd);
  close_fd(out_fd);
  close_fd(err_fd);

  int status = 0;
  rusage ru{};
  while (wait4(pid, &status, 0, &ru) < 0 && errno == EINTR) {
  }
  r.ms = now_ms() - start;
  r.maxrss_kb = ru.ru_maxrss;
  r.cpu_ms = double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
             double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

}  // namespace berth::bench
