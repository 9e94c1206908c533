// Storm tests (storm_test.cpp): the storm's size, and one berth-bridge process run as a
// runtime runs it, optionally SIGKILLed at a chosen moment.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <latch>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "tests/netns/bridge_helpers.h"

namespace berth::test::storm {


using Clock = std::chrono::steady_clock;
using Micros = std::chrono::microseconds;

constexpr int kWorkers = 64;
// One cycle: DEL what the slot holds (if anything), ADD anew. The sanitized suite (every
// plugin process instrumented, ~3x slower to start) runs a third of them to stay within
// the per-test timeout; the same 64 workers still overlap.
#if defined(__SANITIZE_ADDRESS__)
constexpr int kCycles = 334;
#else
constexpr int kCycles = 1000;
#endif
// How many plugin processes must have run at the same moment for the storm to count as
// one: a quarter of the workers (an eighth when sanitized: the test process forks
// slowly under ASan, so fewer overlap; CI saw 20 there and 32+ without).
#if defined(__SANITIZE_ADDRESS__)
constexpr int kMinPeakInflight = kWorkers / 8;
#else
constexpr int kMinPeakInflight = kWorkers / 4;
#endif
constexpr int kSlots = 2;        // containers a worker keeps: up to 128 alive at once
constexpr double kKillFraction = 0.10;
constexpr double kEarlyKillMs = 15;  // half of the kills: within the first 15 ms
constexpr unsigned kSeed = 8;    // kill choices and delays; the timing itself is not seeded

inline double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

inline std::atomic<int> g_inflight{0}, g_peak_inflight{0};

// One berth-bridge process, run as a runtime runs it, optionally SIGKILLed `kill_after`
// after its fork (the runtime died, or gave up on it). Unlike run_plugin it knows the pid.
struct Exec {
  int code = -1;           // exit status, or 128 + signal
  bool kill_sent = false;
  bool killed = false;     // our SIGKILL ended it: it had not finished on its own
  double ms = 0;
  std::string out, err;
  json result;
};

inline Exec exec_bridge(const std::map<std::string, std::string>& vars, const std::string& stdin_data,
                 std::optional<Micros> kill_after = std::nullopt) {
  // Everything the child needs is built before fork: after it, only exec-safe calls.
  std::vector<std::string> env = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin",
                                  "CNI_PATH=" + bin_dir() + ":/usr/lib/cni"};
  for (const char* name : {"BERTH_LOG_LEVEL", "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"})
    if (const char* v = getenv(name)) env.push_back(std::string(name) + "=" + v);
  for (const auto& [k, v] : vars) env.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& s : env) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::string exe = bin_dir() + "/berth-bridge";
  char* argv[] = {exe.data(), nullptr};

  Exec r;
  int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1};
  if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) {
    for (int fd : {in[0], in[1], out[0], out[1], err[0], err[1]})
      if (fd >= 0) close(fd);
    r.err = "pipe failed";
    return r;
  }
  const auto t0 = Clock::now();
  pid_t pid = fork();
  if (pid == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    dup2(err[1], 2);
    execve(exe.c_str(), argv, envp.data());
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  close(err[1]);
  if (pid < 0) {
    for (int fd : {in[1], out[0], err[0]}) close(fd);
    return r.err = "fork failed", r;
  }
  int now = ++g_inflight;
  for (int peak = g_peak_inflight; now > peak && !g_peak_inflight.compare_exchange_weak(peak, now);) {}
  // A config is far below the pipe buffer, so this never blocks; EPIPE (SIGPIPE is
  // ignored by main) only means the child is already gone.
  (void)!write(in[1], stdin_data.data(), stdin_data.size());
  close(in[1]);

  const auto deadline = kill_after ? t0 + *kill_after : Clock::time_point::max();
  pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
  std::string* sinks[2] = {&r.out, &r.err};
  int open_fds = 2;
  while (open_fds > 0) {
    timespec ts{}, *timeout = nullptr;
    if (kill_after && !r.kill_sent) {
      auto left = std::max(Clock::duration::zero(), deadline - Clock::now());
      auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
      ts = {time_t(ns / 1'000'000'000), long(ns % 1'000'000'000)};
      timeout = &ts;
    }
    int n = ppoll(fds, 2, timeout, nullptr);
    if (n < 0 && errno != EINTR) break;
    if (kill_after && !r.kill_sent && Clock::now() >= deadline) {
      kill(pid, SIGKILL);  // not reaped yet, so the pid is still this child's
      r.kill_sent = true;
    }
    if (n <= 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buf[4096];
      ssize_t got = read(fds[i].fd, buf, sizeof buf);
      if (got > 0) {
        sinks[i]->append(buf, size_t(got));
      } else if (got == 0 || errno != EINTR) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  // Both pipes closed: the plugin (and any IPAM child it left behind) is done writing.
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
  r.ms = ms_since(t0);
  --g_inflight;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.killed = r.kill_sent && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
  r.result = json::parse(r.out, nullptr, false);
  if (r.result.is_discarded()) r.result = nullptr;
  return r;
}

// `exec_ipam`: berth-bridge runs berth-ipam as a separate process (BERTH_IPAM_EXEC=1)
// instead of in-process; both paths share the lease store and its lock.
inline Exec cni_op(const std::string& cmd, const std::string& netns, const std::string& id, const json& conf,
            bool exec_ipam, std::optional<Micros> kill_after = std::nullopt) {
  std::map<std::string, std::string> vars = {
      {"CNI_COMMAND", cmd}, {"CNI_CONTAINERID", id}, {"CNI_NETNS", netns}, {"CNI_IFNAME", "eth0"}};
  if (exec_ipam) vars["BERTH_IPAM_EXEC"] = "1";
  return exec_bridge(vars, conf.dump(), kill_after);
}

}  // namespace berth::test::storm
