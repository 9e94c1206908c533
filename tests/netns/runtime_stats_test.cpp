// `berth stats`: CPU %, memory and its limit, network bytes and PIDs of live containers,
// once (--no-stream) or streamed until SIGINT/SIGTERM; errors for unknown containers.
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <map>
#include <regex>
#include <vector>

#include "tests/netns/runtime_helpers.h"

using namespace berth::test;
using nlohmann::json;

namespace {

// `stats --no-stream --format json ARGS`, one object per container, by name.
std::map<std::string, json> stats_json(const Berth& berth, const std::string& args = "") {
  std::map<std::string, json> out;
  std::istringstream in(berth.ok("stats --no-stream --format json " + args));
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) {
      auto j = json::parse(line);
      out[j["Name"].get<std::string>()] = j;
    }
  return out;
}

// The CPU time the container's cgroup has used so far, in ns, read by the test itself
// (v1 cpuacct, possibly co-mounted with cpu, or v2 cpu.stat); -1 when not found.
int64_t cgroup_cpu_ns(const std::string& id) {
  std::string v1 = Berth::trim(
      sh("cat /sys/fs/cgroup/cpu*/berth/" + id + "/cpuacct.usage 2>/dev/null | head -n1"));
  if (!v1.empty()) return std::stoll(v1);
  std::string v2 = Berth::trim(sh("awk '$1==\"usage_usec\"{print $2}' /sys/fs/cgroup/berth/" + id +
                                  "/cpu.stat 2>/dev/null"));
  return v2.empty() ? -1 : std::stoll(v2) * 1000;
}

// Runs `berth ARGS` with stdout to a file, sends `sig` after `seconds` (SIGKILL 5 s
// later if it is still there); returns its stdout and sets `rc` to its own status.
std::string run_then_signal(const Berth& berth, const std::string& args, const char* sig,
                            double seconds, int* rc) {
  std::string out = berth.root() + ".stats.out";
  sh("timeout --preserve-status -k 5 -s " + std::string(sig) + " " + std::to_string(seconds) + " " +
         bin_dir() + "/berth --root " + berth.root() + " " + args + " >" + out + " 2>/dev/null",
     rc);
  return sh("cat " + out);
}

// The blocks of a table stream: each starts at a header line.
std::vector<std::string> blocks_of(const std::string& out) {
  std::vector<std::string> blocks;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("CONTAINER ID"))
      blocks.emplace_back();
    else if (!blocks.empty())
      blocks.back() += line + "\n";
  }
  return blocks;
}

}  // namespace

TEST_CASE("stats --no-stream shows a busy container above 50 percent CPU and an idle one near 0",
          "[runtime][stats]") {
  Berth berth;
  std::string busy = berth.ok("run -d --net none --name busy busybox sh -c 'while :; do :; done'");
  berth.ok("run -d --net none --name idle busybox sleep 1000");
  // The machine may be loaded by others: the loop gets half a CPU unless it is very
  // busy. A few tries, each also timed against the cgroup's own counter.
  double best = 0, last = 0, truth = 0, best_truth = 0;
  for (int i = 0; i < 5 && best <= 50; ++i) {
    int64_t c0 = cgroup_cpu_ns(busy);
    auto t0 = std::chrono::steady_clock::now();
    auto s = stats_json(berth, "busy idle");
    int64_t c1 = cgroup_cpu_ns(busy);
    double wall =
        std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count();
    REQUIRE(s.size() == 2);
    REQUIRE(s["busy"]["CPUPercent"].is_number());
    last = s["busy"]["CPUPercent"].get<double>();
    best = std::max(best, last);
    truth = 100.0 * double(c1 - c0) / wall;
    best_truth = std::max(best_truth, truth);
    INFO("try " << i << ": berth " << last << "%, cgroup " << truth << "%");
    CHECK(s["busy"]["CPUPerc"].get<std::string>().ends_with("%"));
    CHECK(s["idle"]["CPUPercent"].get<double>() < 10);
    CHECK(std::regex_match(s["idle"]["CPUPerc"].get<std::string>(),
                           std::regex(R"([0-9]+\.[0-9]{2}%)")));
  }
  INFO("best berth " << best << "%, best cgroup " << best_truth << "%, last " << last << "% vs "
                     << truth << "%");
  // One shell loop is one thread: never more than one CPU.
  CHECK(best < 130);
  if (best > 50) {
    SUCCEED();
  } else {
    // Never half a CPU: only acceptable when the cgroup itself says so, and then berth's
    // figure must still match what the cgroup counted.
    WARN("the machine is too loaded for the loop to get half a CPU");
    CHECK(best_truth < 60);
    CHECK(std::abs(last - truth) < 25);
  }
  // The table shows the same columns as Docker's.
  std::string table = berth.ok("stats --no-stream");
  CHECK(table.starts_with("CONTAINER ID"));
  for (const char* col : {"NAME", "CPU %", "MEM USAGE / LIMIT", "MEM %", "NET I/O", "PIDS"})
    CHECK(table.substr(0, table.find('\n')).find(col) != std::string::npos);
  CHECK(table.find(busy.substr(0, 12) + "   busy") != std::string::npos);
}

TEST_CASE("stats shows the memory limit of -m and the host memory without it and the PIDs",
          "[runtime][stats]") {
  Berth berth;
  berth.ok("run -d --net none -m 64m --name small busybox sleep 1000");
  berth.ok("run -d --net none --name big busybox sh -c 'sleep 1000 & sleep 1000 & wait'");
  auto s = stats_json(berth);
  REQUIRE(s.size() == 2);
  CHECK(s["small"]["MemoryLimitBytes"] == 67108864);
  CHECK(s["small"]["MemUsage"].get<std::string>().ends_with(" / 64MiB"));
  CHECK(s["small"]["MemoryBytes"].get<int64_t>() > 0);
  double pct = s["small"]["MemoryPercent"].get<double>();
  CHECK(pct > 0);
  CHECK(pct < 100);
  CHECK(s["small"]["Pids"] == 1);
  CHECK(s["small"]["PIDs"] == "1");
  // No limit: the host's memory, as Docker shows it.
  int64_t host = std::stoll(Berth::trim(sh("awk '/^MemTotal:/{print $2}' /proc/meminfo"))) * 1024;
  CHECK(s["big"]["MemoryLimitBytes"] == host);
  CHECK(s["big"]["Pids"] == 3);
  std::string table = berth.ok("stats --no-stream small");
  CHECK(
      std::regex_search(table, std::regex(R"(small\s+[0-9.]+%\s+[0-9.]+(B|KiB|MiB) / 64MiB\s+)")));
}

TEST_CASE("stats NET IO grows when the container pings its gateway and is -- with net host",
          "[runtime][stats]") {
  Berth berth;
  berth.ok("run -d --name talker busybox sleep 1000");
  berth.ok("run -d --net none --name quiet busybox sleep 1000");
  berth.ok("run -d --net host --name hosted busybox sleep 1000");
  std::string gw = berth.inspect("talker")["NetworkSettings"]["Networks"]["bridge"]["Gateway"];
  REQUIRE_FALSE(gw.empty());
  auto before = stats_json(berth);
  REQUIRE(before.size() == 3);
  CHECK(before["quiet"]["NetIO"] == "0B / 0B");
  CHECK(before["quiet"]["NetRxBytes"] == 0);
  CHECK(before["hosted"]["NetIO"] == "--");
  CHECK(before["hosted"]["NetRxBytes"].is_null());
  CHECK(berth.ok("exec talker ping -c 5 -s 1000 -W 2 " + gw).find("5 packets received") !=
        std::string::npos);
  auto after = stats_json(berth, "talker");
  int64_t rx0 = before["talker"]["NetRxBytes"], tx0 = before["talker"]["NetTxBytes"];
  int64_t rx1 = after["talker"]["NetRxBytes"], tx1 = after["talker"]["NetTxBytes"];
  INFO("rx " << rx0 << " -> " << rx1 << ", tx " << tx0 << " -> " << tx1);
  CHECK(tx1 - tx0 >= 5 * 1000);
  CHECK(rx1 - rx0 >= 5 * 1000);
  CHECK(std::regex_match(after["talker"]["NetIO"].get<std::string>(),
                         std::regex(R"([0-9.]+[kMG]?B / [0-9.]+[kMG]?B)")));
  CHECK(after["talker"]["NetIO"].get<std::string>().find("kB / ") != std::string::npos);
}

TEST_CASE("stats streams a block per second without a terminal and exits 0 on SIGTERM or SIGINT",
          "[runtime][stats]") {
  Berth berth;
  std::string id = berth.ok("run -d --net none --name keeper busybox sleep 1000");
  int rc = -1;
  std::string out = run_then_signal(berth, "stats", "TERM", 2.5, &rc);
  INFO(out);
  CHECK(rc == 0);
  auto blocks = blocks_of(out);
  CHECK(blocks.size() >= 2);
  for (const auto& b : blocks) CHECK(b.find(id.substr(0, 12) + "   keeper") != std::string::npos);
  CHECK(out.find('\033') == std::string::npos);  // no cursor movement into a file

  out = run_then_signal(berth, "stats --format json keeper", "INT", 2.5, &rc);
  CHECK(rc == 0);
  std::istringstream in(out);
  int lines = 0;
  for (std::string line; std::getline(in, line); ++lines)
    CHECK(json::parse(line)["Container"] == id);
  CHECK(lines >= 2);

  // On a terminal the table is redrawn in place.
  sh("timeout -k 5 -s TERM 2.5 script -qfec '" + bin_dir() + "/berth --root " + berth.root() +
     " stats' " + berth.root() + ".typescript >/dev/null 2>&1");
  std::string tty = sh("cat " + berth.root() + ".typescript");
  CHECK(tty.find("\033[H") != std::string::npos);
  CHECK(tty.find("keeper") != std::string::npos);
}

TEST_CASE("stats drops a container that stops while streaming and shows -- for a named one",
          "[runtime][stats]") {
  Berth berth;
  berth.ok("run -d --net none --name keeper busybox sleep 1000");
  berth.ok("run -d --net none --name goner busybox sleep 1000");
  int rc = -1;
  std::string b = bin_dir() + "/berth --root " + berth.root();
  // Blocks come at about 0.5, 1.5, 2.5 and 3.5 s; goner is stopped at about 1 s.
  sh("(sleep 1; " + b + " stop -t 0 goner) >/dev/null 2>&1 &");
  std::string out = run_then_signal(berth, "stats", "TERM", 3.8, &rc);
  sh("sleep 0.5");
  INFO(out);
  CHECK(rc == 0);
  auto blocks = blocks_of(out);
  REQUIRE(blocks.size() >= 2);
  CHECK(blocks.front().find("goner") != std::string::npos);
  CHECK(blocks.back().find("goner") == std::string::npos);
  for (const auto& block : blocks) CHECK(block.find("keeper") != std::string::npos);
  // Named, a stopped container is still listed, with nothing to measure.
  auto s = stats_json(berth, "keeper goner");
  CHECK(s["goner"]["Running"] == false);
  CHECK(s["goner"]["CPUPerc"] == "--");
  CHECK(s["goner"]["MemoryBytes"].is_null());
  CHECK(s["keeper"]["Running"] == true);
}

TEST_CASE("stats with an unknown container names it and exits 1 without printing stats",
          "[runtime][stats]") {
  Berth berth;
  berth.ok("run -d --net none --name real busybox sleep 1000");
  auto r = berth("stats --no-stream real nosuchbox");
  CHECK(r.rc == 1);
  CHECK(r.err.find("nosuchbox") != std::string::npos);
  CHECK(r.out.empty());
  // Streaming too: it fails at once rather than streaming the others.
  int rc = -1;
  std::string out = run_then_signal(berth, "stats nosuchbox", "TERM", 10, &rc);
  CHECK(rc == 1);
  CHECK(out.empty());
  auto f = berth("stats --no-stream --format xml");
  CHECK(f.rc == 1);
  CHECK(f.err.find("xml") != std::string::npos);
  // Templates work on the JSON fields.
  CHECK(berth.ok("stats --no-stream --format '{{.Name}} {{.PIDs}}'") == "real 1");
  // --help says what stats does now.
  std::string help = berth.ok("stats --help");
  CHECK(help.find("--no-stream") != std::string::npos);
  CHECK(help.find("SIGTERM") != std::string::npos);
  CHECK(help.find("only mode") == std::string::npos);
}
