// Shared by the `berth` runtime netns tests: run the built berth with --root in the test's
// temp dir, read what it prints, and look for anything a removed container left behind.
#pragma once

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>

#include "tests/netns/fixture.h"

namespace berth::test {

struct BerthRun {
  int rc = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

class Berth {
 public:
  Berth() : root_(temp_dir() + "/berth") {}
  // Detached containers have monitors of their own that would outlive this test process
  // (and keep its namespaces alive) when a REQUIRE ends the test early.
  ~Berth() {
    std::string b = bin_dir() + "/berth --root " + root_;
    sh(b + " ps -aq 2>/dev/null | xargs -r " + b + " rm -f >/dev/null 2>&1");
  }
  Berth(const Berth&) = delete;
  Berth& operator=(const Berth&) = delete;
  [[nodiscard]] const std::string& root() const { return root_; }

  // `args` is shell text after "berth --root ROOT".
  BerthRun operator()(const std::string& args) const {
    static int n = 0;
    std::string err_file = root_ + ".stderr." + std::to_string(n++);
    BerthRun r;
    r.out = sh(bin_dir() + "/berth --root " + root_ + " " + args + " 2>" + err_file, &r.rc);
    std::ifstream in(err_file);
    std::stringstream ss;
    ss << in.rdbuf();
    r.err = ss.str();
    return r;
  }
  // The first line of stdout of a command that must succeed.
  std::string ok(const std::string& args) const {
    auto r = (*this)(args);
    INFO("berth " << args << "\nstderr: " << r.err);
    REQUIRE(r.rc == 0);
    return trim(r.out);
  }
  nlohmann::json inspect(const std::string& ref) const {
    auto j = nlohmann::json::parse(ok("inspect " + ref));
    REQUIRE(j.size() == 1);
    return j[0];
  }

  static std::string trim(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
  }

 private:
  std::string root_;
};

// Polls `cond` every 20 ms until it holds or `ms` have passed; returns whether it held
// (the caller CHECKs what it waited for, so a timeout fails with the values shown).
inline bool wait_for(const std::function<bool()>& cond, int ms = 5000) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  for (;;) {
    if (cond()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

// What a container may leave on the host, for "nothing left" checks.
inline std::string mounts_under(const std::string& dir) {
  return sh("grep -F ' " + dir + "' /proc/self/mountinfo || true");
}
inline std::string veth_links() { return sh("ip -o link show type veth || true"); }
inline bool path_exists(const std::string& p) {
  int rc = 1;
  sh("test -e " + p, &rc);
  return rc == 0;
}
// The container's cgroup directories on this machine's layout (v1 or v2).
inline std::string cgroup_dirs(const std::string& id) {
  return sh("ls -d /sys/fs/cgroup/*/berth/" + id + " /sys/fs/cgroup/berth/" + id +
            " 2>/dev/null || true");
}

}  // namespace berth::test
