// Storms (issue 8): 64 workers run 1000 ADD/DEL cycles at once over two berth-bridge
// networks, one IPv4 and one dual stack; the second storm SIGKILLs about a tenth of the
// plugin processes at a random moment and leaves the rest to GC. Whatever the
// interleaving: no ADD fails (no "try again later"), no address is held twice at the same
// time (in the results and in the kernel), and in the end nothing is left: no veth,
// lease, index entry or nftables element; only the bridges with their gateway addresses.
// Half of the workers have berth-bridge exec berth-ipam (BERTH_IPAM_EXEC=1), the other
// half use the in-process IPAM, so both paths contend for the same lease stores.
//
// Workers never use Catch2 assertions (they are not thread-safe): they collect failures,
// and the main thread asserts on them. Figures (throughput, latencies, where the kills
// landed, GC time) go to stderr.
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

using namespace berth::test;

namespace {

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
constexpr int kSlots = 2;        // containers a worker keeps: up to 128 alive at once
constexpr double kKillFraction = 0.10;
constexpr double kEarlyKillMs = 15;  // half of the kills: within the first 15 ms
constexpr unsigned kSeed = 8;    // kill choices and delays; the timing itself is not seeded

double ms_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
}

std::atomic<int> g_inflight{0}, g_peak_inflight{0};

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

Exec exec_bridge(const std::map<std::string, std::string>& vars, const std::string& stdin_data,
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
Exec cni_op(const std::string& cmd, const std::string& netns, const std::string& id, const json& conf,
            bool exec_ipam, std::optional<Micros> kill_after = std::nullopt) {
  std::map<std::string, std::string> vars = {
      {"CNI_COMMAND", cmd}, {"CNI_CONTAINERID", id}, {"CNI_NETNS", netns}, {"CNI_IFNAME", "eth0"}};
  if (exec_ipam) vars["BERTH_IPAM_EXEC"] = "1";
  return exec_bridge(vars, conf.dump(), kill_after);
}

struct Net {
  std::string name;
  json conf;
  std::vector<std::string> subnets;   // text prefix of each family's addresses, in result order
  std::set<std::string> gateways;     // what the bridge keeps: gateway/prefix per family
};

std::vector<Net> storm_networks() {
  Net v4{"storm4", bridge_conf("storm4", "10.77.0.0/16"), {"10.77."}, {"10.77.0.1/16"}};
  Net dual{"storm46", bridge_conf("storm46", "10.78.0.0/16"), {"10.78.", "fd00:78::"},
           {"10.78.0.1/16", "fd00:78::1/64"}};
  dual.conf["ipam"] = {{"type", ipam_type()},
                       {"dataDir", "/var/lib/cni/networks"},
                       {"ranges", json::array({json::array({{{"subnet", "10.78.0.0/16"}}}),
                                               json::array({{{"subnet", "fd00:78::/64"}}})})}};
  return {v4, dual};
}

// A container a worker keeps in one of its slots.
struct Slot {
  std::string ns;                  // its own network namespace, reused by the next container
  std::string id;                  // empty: nothing attached
  int net = 0;
  std::vector<std::string> addrs;  // without prefix length
};

struct Storm {
  std::vector<Net> nets;
  double kill_fraction = 0;

  std::mutex mu;  // guards everything below
  std::map<std::string, std::string> live;  // address -> container holding it now
  size_t peak_live = 0;
  std::vector<std::string> failures;
  std::vector<double> add_ms, del_ms;
  int adds_ok = 0, dels_ok = 0, try_again = 0;
  int kills_sent = 0, add_kills = 0, del_kills = 0;
  double typical_ms[2] = {kEarlyKillMs, kEarlyKillMs};  // moving average of ADD, DEL under this load
  struct Killed {
    bool add;
    std::string id, ns;
  };
  std::vector<Killed> killed;
  std::vector<std::string> abandoned;  // namespaces of killed operations: left for GC
  std::vector<std::vector<Slot>> slots;

  void fail(std::string what) {
    std::lock_guard g(mu);
    failures.push_back(std::move(what));
  }
  // Called after a successful ADD: each address must be free among live containers.
  void claim(const std::vector<std::string>& addrs, const std::string& id) {
    std::lock_guard g(mu);
    for (const auto& a : addrs) {
      auto [it, fresh] = live.emplace(a, id);
      if (!fresh) failures.push_back("duplicate address " + a + ": given to " + id + " while " + it->second + " holds it");
    }
    peak_live = std::max(peak_live, live.size());
  }
  // Called before DEL: from here on the addresses may go to someone else.
  void release(const std::vector<std::string>& addrs, const std::string& id) {
    std::lock_guard g(mu);
    for (const auto& a : addrs)
      if (auto it = live.find(a); it != live.end() && it->second == id) live.erase(it);
  }
};

std::string describe(const std::string& what, const Exec& r) {
  return what + ": exit " + std::to_string(r.code) + " out=" + r.out + " err=" + r.err;
}

// Addresses (no prefix length) of an ADD result, checked against the network.
std::vector<std::string> result_addresses(Storm& s, const Net& net, const std::string& id, const std::string& ns,
                                          const Exec& r) {
  std::vector<std::string> addrs;
  const json& res = r.result;
  if (!res.is_object() || !res.contains("ips") || res["ips"].size() != net.subnets.size()) {
    s.fail(describe("ADD " + id + " on " + net.name + ": wrong number of addresses", r));
    return addrs;
  }
  for (size_t i = 0; i < net.subnets.size(); ++i) {
    auto a = res["ips"][i].value("address", std::string());
    if (a.rfind(net.subnets[i], 0) != 0) s.fail("ADD " + id + ": address " + a + " is not in " + net.subnets[i]);
    addrs.push_back(a.substr(0, a.find('/')));
  }
  if (res["interfaces"].size() != 3 || res["interfaces"][2].value("sandbox", "") != ns)
    s.fail(describe("ADD " + id + ": result does not name the container's interface", r));
  return addrs;
}

void run_worker(Storm& s, int w, std::atomic<int>& next, std::latch& ready) {
  std::mt19937 rng(kSeed * 1000 + unsigned(w));
  std::bernoulli_distribution kill_it(s.kill_fraction);
  std::bernoulli_distribution early(0.5);
  // Half of the kills come within the first 15 ms; the other half anywhere in a typical
  // run of that command under this load (hundreds of ms on a loaded 2-CPU machine), so
  // that they also land after IPAM, after the veth, around the nftables batch.
  auto maybe_kill = [&](bool add) -> std::optional<Micros> {
    if (s.kill_fraction <= 0 || !kill_it(rng)) return std::nullopt;
    double window_ms = kEarlyKillMs;
    if (!early(rng)) {
      std::lock_guard g(s.mu);
      window_ms = std::max(kEarlyKillMs, 1.2 * s.typical_ms[add ? 0 : 1]);
    }
    return Micros(std::uniform_int_distribution<long>(0, long(window_ms * 1000))(rng));
  };
  int generation = 0;
  auto fresh_ns = [&] { return make_netns("w" + std::to_string(w) + "g" + std::to_string(generation++)); };
  std::vector<Slot>& slots = s.slots[size_t(w)];
  const bool exec_ipam = w % 2 == 1;  // half the workers exec berth-ipam
  try {
    for (auto& sl : slots) sl.ns = fresh_ns();
  } catch (const std::exception& e) {
    s.fail("worker " + std::to_string(w) + ": " + e.what());
  }
  ready.arrive_and_wait();  // everyone starts together: the operations overlap
  // A killed operation may leave eth0 in the namespace: park it for the end (GC's
  // residue) and give the slot a new one.
  auto abandon = [&](Slot& sl, bool add, const std::string& id) {
    {
      std::lock_guard g(s.mu);
      s.abandoned.push_back(sl.ns);
      s.killed.push_back({add, id, sl.ns});
    }
    sl.ns = fresh_ns();
  };
  try {
    for (int turn = 0;; ++turn) {
      int k = next++;
      if (k >= kCycles) break;
      Slot& sl = slots[size_t(turn % kSlots)];
      if (!sl.id.empty()) {
        s.release(sl.addrs, sl.id);
        auto kill = maybe_kill(false);
        auto r = cni_op("DEL", sl.ns, sl.id, s.nets[size_t(sl.net)].conf, exec_ipam, kill);
        {
          std::lock_guard g(s.mu);
          s.kills_sent += r.kill_sent;
          s.del_kills += r.killed;
          if (!r.killed && r.code == 0)
            ++s.dels_ok, s.del_ms.push_back(r.ms), s.typical_ms[1] = 0.9 * s.typical_ms[1] + 0.1 * r.ms;
        }
        if (r.killed) abandon(sl, false, sl.id);
        else if (r.code != 0) s.fail(describe("DEL " + sl.id, r));
        sl.id.clear();
        sl.addrs.clear();
      }
      const int net = k % 2;
      const std::string id = "storm-" + std::to_string(k);
      auto kill = maybe_kill(true);
      auto r = cni_op("ADD", sl.ns, id, s.nets[size_t(net)].conf, exec_ipam, kill);
      {
        std::lock_guard g(s.mu);
        s.kills_sent += r.kill_sent;
        s.add_kills += r.killed;
        if (!r.killed && r.code == 0)
          ++s.adds_ok, s.add_ms.push_back(r.ms), s.typical_ms[0] = 0.9 * s.typical_ms[0] + 0.1 * r.ms;
        if (!r.killed && r.result.is_object() && r.result.value("code", 0) == 11) ++s.try_again;
      }
      if (r.killed) {
        abandon(sl, true, id);
        continue;
      }
      if (r.code != 0) {
        s.fail(describe("ADD " + id + " on " + s.nets[size_t(net)].name, r));
        continue;
      }
      sl.id = id;
      sl.net = net;
      sl.addrs = result_addresses(s, s.nets[size_t(net)], id, sl.ns, r);
      s.claim(sl.addrs, id);
    }
  } catch (const std::exception& e) {
    s.fail("worker " + std::to_string(w) + ": " + e.what());
  }
}

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, size_t(double(v.size()) * p))];
}

// Runs the storm; returns its wall time in seconds (from the moment all workers are ready).
double run_storm(Storm& s) {
  s.slots.assign(kWorkers, std::vector<Slot>(kSlots));
  std::atomic<int> next{0};
  std::latch ready(kWorkers + 1);
  std::vector<std::thread> workers;
  for (int w = 0; w < kWorkers; ++w) workers.emplace_back([&, w] { run_worker(s, w, next, ready); });
  auto cpu_seconds = [] {
    rusage ru{};
    getrusage(RUSAGE_CHILDREN, &ru);  // the plugins (and the netns helpers' shells)
    return double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) + double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
  };
  ready.arrive_and_wait();
  g_peak_inflight = 0;
  auto t0 = Clock::now();
  double cpu0 = cpu_seconds();
  for (auto& t : workers) t.join();
  double wall = ms_since(t0) / 1000;
  double cpu = cpu_seconds() - cpu0;
  int runs = int(s.add_ms.size() + s.del_ms.size()) + s.add_kills + s.del_kills;
  std::fprintf(stderr,
               "storm: %d workers, %d cycles in %.1f s: %.1f cycles/s, %.1f plugin runs/s, %d in flight at most; "
               "ADD p50 %.0f ms p99 %.0f ms (%d ok); DEL p50 %.0f ms p99 %.0f ms (%d ok); %zu addresses live at "
               "most; kills sent %d, landed mid-operation %d (ADD %d, DEL %d); children used %.1f CPU-s (%.1f "
               "CPUs, %u online)\n",
               kWorkers, kCycles, wall, kCycles / wall, runs / wall, g_peak_inflight.load(),
               percentile(s.add_ms, 0.5), percentile(s.add_ms, 0.99), s.adds_ok, percentile(s.del_ms, 0.5),
               percentile(s.del_ms, 0.99), s.dels_ok, s.peak_live, s.kills_sent, s.add_kills + s.del_kills,
               s.add_kills, s.del_kills, cpu, cpu / wall, std::thread::hardware_concurrency());
  return wall;
}

std::string first_failures(const std::vector<std::string>& f) {
  std::string s = std::to_string(f.size()) + " failure(s):\n";
  for (size_t i = 0; i < f.size() && i < 20; ++i) s += "  " + f[i] + "\n";
  return s;
}

struct NsState {
  bool eth0 = false;
  std::vector<std::string> addrs;  // global ones, without prefix length
};

// What each namespace holds, read by one shell (one `ip -batch` per namespace).
std::map<std::string, NsState> kernel_state(const std::vector<std::string>& netns) {
  std::map<std::string, NsState> out;
  if (netns.empty()) return out;
  std::string cmd = "for n in";
  for (const auto& n : netns) cmd += " " + n;
  cmd += "; do echo \"@ $n\"; printf 'link show\\naddr show scope global\\n' | nsenter --net=$n ip -o -batch -; done";
  std::istringstream lines(sh(cmd));
  std::string line, current;
  while (std::getline(lines, line)) {
    if (line.rfind("@ ", 0) == 0) {
      current = line.substr(2);
      out[current];
      continue;
    }
    std::istringstream words(line);
    std::string word, addr;
    words >> word;  // "2:"
    if (words >> word && (word == "eth0:" || word.rfind("eth0@", 0) == 0) && line.find(" link/") != std::string::npos)
      out[current].eth0 = true;
    while (words >> word)
      if ((word == "inet" || word == "inet6") && words >> addr)
        out[current].addrs.push_back(addr.substr(0, addr.find('/')));
  }
  return out;
}

// Every namespace's addresses are unique across all of them, and a live container's are
// exactly those of its ADD result.
std::vector<std::string> kernel_check(Storm& s, std::map<std::string, NsState>* state = nullptr) {
  std::vector<std::string> problems, all;
  std::map<std::string, const Slot*> by_ns;
  for (const auto& w : s.slots)
    for (const auto& sl : w) {
      all.push_back(sl.ns);
      by_ns[sl.ns] = &sl;
    }
  all.insert(all.end(), s.abandoned.begin(), s.abandoned.end());
  auto seen = kernel_state(all);
  std::map<std::string, std::string> owner;
  size_t total = 0;
  for (const auto& [ns, st] : seen) {
    const auto& addrs = st.addrs;
    for (const auto& a : addrs) {
      ++total;
      if (auto [it, fresh] = owner.emplace(a, ns); !fresh)
        problems.push_back("address " + a + " is in " + ns + " and in " + it->second);
    }
    if (auto it = by_ns.find(ns); it != by_ns.end()) {
      auto want = it->second->addrs, have = addrs;
      std::sort(want.begin(), want.end());
      std::sort(have.begin(), have.end());
      if (want != have) problems.push_back(ns + " (" + it->second->id + ") holds other addresses than its result");
    }
  }
  if (seen.size() != all.size()) problems.push_back("could not read every namespace");
  for (const auto& w : s.slots)
    for (const auto& sl : w)
      if (!sl.id.empty() && !seen[sl.ns].eth0) problems.push_back(sl.ns + " (" + sl.id + ") has no eth0");
  std::fprintf(stderr, "storm: kernel check: %zu namespaces, %zu global addresses, all unique: %s\n", all.size(),
               total, problems.empty() ? "yes" : "no");
  if (state) *state = std::move(seen);
  return problems;
}

// Container IDs holding leases of the networks (the first line of a lease file), and how many.
std::map<std::string, int> lease_holders(const std::vector<Net>& nets) {
  std::map<std::string, int> out;
  for (const auto& n : nets) {
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator("/var/lib/cni/networks/" + n.name, ec)) {
      auto name = e.path().filename().string();
      if (name.find_first_not_of("0123456789abcdef.:") != std::string::npos || !e.is_regular_file()) continue;
      std::ifstream f(e.path());
      std::string id;
      std::getline(f, id);
      if (!id.empty() && id.back() == '\r') id.pop_back();
      ++out[id];
    }
  }
  return out;
}

std::set<std::string> words_of(const std::string& text) {
  std::set<std::string> out;
  std::istringstream in(text);
  std::string w;
  while (in >> w) out.insert(w);
  return out;
}

// What is left of the networks beyond their bridges and gateway addresses.
std::vector<std::string> residue(const std::vector<Net>& nets, bool table_gone) {
  std::vector<std::string> found;
  if (auto v = host_veths(); !v.empty()) found.push_back("host veths: " + v);
  std::set<std::string> links = words_of(sh("ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1"));
  links.erase("lo");
  for (const auto& n : nets) {
    const std::string bridge = n.conf["bridge"];
    links.erase(bridge);
    if (int leases = lease_count(n.name)) found.push_back(n.name + ": " + std::to_string(leases) + " lease files");
    const std::string dir = "/var/lib/cni/networks/" + n.name;
    for (const auto& f : words_of(sh("ls -A " + dir)))
      if (f != "lock" && f != "attachments" && f.rfind("last_reserved_ip.", 0) != 0 &&
          f.find_first_not_of("0123456789abcdef.:") != std::string::npos)  // leases: counted above
        found.push_back(n.name + ": stray file " + f);
    if (auto idx = sh("ls -A " + dir + "/attachments 2>/dev/null"); !idx.empty())
      found.push_back(n.name + ": index entries " + idx);
    auto addrs = words_of(sh("ip -o addr show dev " + bridge + " scope global | awk '{print $4}'"));
    if (addrs != n.gateways) found.push_back(bridge + " addresses: " + sh("ip -o addr show dev " + bridge));
  }
  for (const auto& l : links) found.push_back("link " + l);
  if (table_gone) {
    if (auto t = sh("nft list tables"); !t.empty()) found.push_back("nft tables left: " + t);
  } else if (auto e = sh("nft list ruleset | grep -A3 elements"); !e.empty()) {
    found.push_back("nft elements: " + e);
  }
  return found;
}

std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += x + "\n";
  return s;
}

}  // namespace

TEST_CASE("storm: 64 workers, 1000 ADD/DEL over an IPv4 and a dual-stack network") {
  Storm s;
  s.nets = storm_networks();
  auto t_case = Clock::now();
  {
    // For scale: the same ADD and DEL one at a time, nothing else running.
    auto ns = make_netns("solo");
    std::vector<double> add, del;
    for (int i = 0; i < 20; ++i) {
      const auto& conf = s.nets[size_t(i % 2)].conf;
      auto a = cni_op("ADD", ns, "solo-" + std::to_string(i), conf, false);
      INFO(describe("ADD solo", a));
      REQUIRE(a.code == 0);
      auto d = cni_op("DEL", ns, "solo-" + std::to_string(i), conf, false);
      INFO(describe("DEL solo", d));
      REQUIRE(d.code == 0);
      add.push_back(a.ms);
      del.push_back(d.ms);
    }
    delete_netns(ns);
    std::fprintf(stderr, "storm: alone: ADD p50 %.1f ms, DEL p50 %.1f ms\n", percentile(add, 0.5),
                 percentile(del, 0.5));
  }
  // berth's fixed rules and empty sets, as both networks leave them: the storm must end
  // with exactly this ruleset (no rule or element added for good).
  const std::string ruleset = sh("nft list ruleset");
  REQUIRE(ruleset.find("table inet berth") != std::string::npos);
  double wall = run_storm(s);
  INFO(first_failures(s.failures));
  CHECK(s.try_again == 0);
  REQUIRE(s.failures.empty());
  REQUIRE(s.adds_ok == kCycles);
  REQUIRE(g_peak_inflight >= kWorkers / 2);  // the operations really overlapped

  // The end of the ADD phase: the slots hold their last containers (128 when every worker
  // got two cycles or more). Unique in the kernel too, and one host veth per container.
  auto problems = kernel_check(s);
  INFO(joined(problems));
  REQUIRE(problems.empty());
  size_t live = 0, addresses = 0;
  for (const auto& w : s.slots)
    for (const auto& sl : w) live += !sl.id.empty(), addresses += sl.addrs.size();
  REQUIRE(words_of(host_veths()).size() == live);
  REQUIRE(s.live.size() == addresses);

  // Drain: every worker deletes what it holds, all at once.
  std::vector<double> drain;
  std::mutex drain_mu;
  std::vector<std::thread> workers;
  auto t0 = Clock::now();
  for (auto& w : s.slots)
    workers.emplace_back([&] {
      for (auto& sl : w) {
        if (sl.id.empty()) continue;
        s.release(sl.addrs, sl.id);
        auto r = cni_op("DEL", sl.ns, sl.id, s.nets[size_t(sl.net)].conf, false);
        if (r.code != 0) s.fail(describe("DEL " + sl.id, r));
        std::lock_guard g(drain_mu);
        drain.push_back(r.ms);
      }
    });
  for (auto& t : workers) t.join();
  std::fprintf(stderr, "storm: drain of %zu containers in %.1f s (DEL p50 %.0f ms p99 %.0f ms)\n", drain.size(),
               ms_since(t0) / 1000, percentile(drain, 0.5), percentile(drain, 0.99));
  INFO(first_failures(s.failures));
  REQUIRE(s.failures.empty());
  REQUIRE(s.live.empty());

  auto left = residue(s.nets, false);
  INFO(joined(left));
  CHECK(left.empty());
  CHECK(sh("nft list ruleset") == ruleset);
  for (const auto& w : s.slots)
    for (const auto& sl : w) delete_netns(sl.ns);
  std::fprintf(stderr, "storm: case took %.1f s (storm %.1f s)\n", ms_since(t_case) / 1000, wall);
}

TEST_CASE("storm: random SIGKILLs then GC leave nothing") {
  // Orphans (an IPAM child whose berth-bridge was killed) come back to this process, so
  // that the test can wait for them before GC, as a node's GC runs after the crash.
  REQUIRE(prctl(PR_SET_CHILD_SUBREAPER, 1) == 0);
  Storm s;
  s.nets = storm_networks();
  s.kill_fraction = kKillFraction;
  auto t_case = Clock::now();
  double wall = run_storm(s);
  INFO(first_failures(s.failures));
  CHECK(s.try_again == 0);
  REQUIRE(s.failures.empty());  // every operation not killed succeeded; no duplicates
  REQUIRE(s.add_kills + s.del_kills > 0);

  // Wait for the orphans.
  int orphans = 0;
  auto t_reap = Clock::now();
  for (;;) {
    pid_t p = waitpid(-1, nullptr, WNOHANG);
    if (p > 0) {
      ++orphans;
      continue;
    }
    if (p < 0 && errno == ECHILD) break;
    REQUIRE(ms_since(t_reap) < 10'000);
    usleep(10'000);
  }
  prctl(PR_SET_CHILD_SUBREAPER, 0);

  // No address twice in the kernel, live or left behind by a kill.
  std::map<std::string, NsState> state;
  auto problems = kernel_check(s, &state);
  INFO(joined(problems));
  REQUIRE(problems.empty());
  // Where the kills landed, judged by what each left: a lease, an eth0.
  auto holders = lease_holders(s.nets);
  int add_at[3] = {}, del_at[3] = {};
  for (const auto& k : s.killed) {
    bool eth0 = state[k.ns].eth0, leased = holders.count(k.id) > 0;
    if (k.add) ++add_at[eth0 ? 2 : leased ? 1 : 0];
    else ++del_at[eth0 ? 0 : leased ? 1 : 2];
  }
  std::fprintf(stderr,
               "storm: killed ADDs: %d before a lease, %d leased without eth0, %d with eth0; killed DELs: %d with "
               "eth0 still there, %d with eth0 gone and the lease kept, %d with both gone\n",
               add_at[0], add_at[1], add_at[2], del_at[0], del_at[1], del_at[2]);

  // The runtime died too: the containers' namespaces go, then GC with nothing valid.
  int leases = 0;
  for (const auto& n : s.nets) leases += lease_count(n.name);
  std::vector<std::string> all = s.abandoned;
  for (const auto& w : s.slots)
    for (const auto& sl : w) all.push_back(sl.ns);
  for (const auto& ns : all) delete_netns(ns);
  auto t_gc = Clock::now();
  for (const auto& n : s.nets) {
    auto conf = n.conf;
    conf["cniVersion"] = "1.1.0";
    conf["cni.dev/valid-attachments"] = json::array();
    auto r = exec_bridge({{"CNI_COMMAND", "GC"}}, conf.dump());
    INFO(describe("GC " + n.name, r));
    REQUIRE(r.code == 0);
  }
  double gc_ms = ms_since(t_gc);
  // The kernel removes a deleted namespace's veths asynchronously.
  auto t_veth = Clock::now();
  while (!host_veths().empty() && ms_since(t_veth) < 10'000) usleep(20'000);
  std::fprintf(stderr,
               "storm: %d orphaned IPAM processes reaped; %zu namespaces deleted; GC of 2 networks (%d leases) "
               "took %.0f ms; veths gone %.0f ms later\n",
               orphans, all.size(), leases, gc_ms, ms_since(t_veth));
  auto left = residue(s.nets, true);
  INFO(joined(left));
  CHECK(left.empty());

  // The stores are sound after all that: each network attaches and detaches again.
  auto ns = make_netns("after-gc");
  for (const auto& n : s.nets) {
    auto a = cni_op("ADD", ns, "after-gc", n.conf, false);
    INFO(describe("ADD after GC on " + n.name, a));
    REQUIRE(a.code == 0);
    REQUIRE(a.result["ips"].size() == n.subnets.size());
    REQUIRE(cni_op("DEL", ns, "after-gc", n.conf, false).code == 0);
  }
  delete_netns(ns);
  auto again = residue(s.nets, false);
  INFO(joined(again));
  CHECK(again.empty());
  std::fprintf(stderr, "storm: case took %.1f s (storm %.1f s)\n", ms_since(t_case) / 1000, wall);
}
