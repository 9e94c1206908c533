// Storm tests (storm_test.cpp): the two networks, the workers that drive ADD/DEL cycles
// over them, and what is checked in the kernel and on disk afterwards.
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

#include "tests/netns/storm_process.h"

namespace berth::test::storm {

struct Net {
  std::string name;
  json conf;
  std::vector<std::string> subnets;   // text prefix of each family's addresses, in result order
  std::set<std::string> gateways;     // what the bridge keeps: gateway/prefix per family
};

inline std::vector<Net> storm_networks() {
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

inline std::string describe(const std::string& what, const Exec& r) {
  return what + ": exit " + std::to_string(r.code) + " out=" + r.out + " err=" + r.err;
}

// Addresses (no prefix length) of an ADD result, checked against the network.
inline std::vector<std::string> result_addresses(Storm& s, const Net& net, const std::string& id, const std::string& ns,
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

inline void run_worker(Storm& s, int w, std::atomic<int>& next, std::latch& ready) {
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

inline double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, size_t(double(v.size()) * p))];
}

// Runs the storm; returns its wall time in seconds (from the moment all workers are ready).
inline double run_storm(Storm& s) {
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

inline std::string first_failures(const std::vector<std::string>& f) {
  std::string s = std::to_string(f.size()) + " failure(s):\n";
  for (size_t i = 0; i < f.size() && i < 20; ++i) s += "  " + f[i] + "\n";
  return s;
}

struct NsState {
  bool eth0 = false;
  std::vector<std::string> addrs;  // global ones, without prefix length
};

// What each namespace holds, read by one shell (one `ip -batch` per namespace).
inline std::map<std::string, NsState> kernel_state(const std::vector<std::string>& netns) {
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
inline std::vector<std::string> kernel_check(Storm& s, std::map<std::string, NsState>* state = nullptr) {
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
inline std::map<std::string, int> lease_holders(const std::vector<Net>& nets) {
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

inline std::set<std::string> words_of(const std::string& text) {
  std::set<std::string> out;
  std::istringstream in(text);
  std::string w;
  while (in >> w) out.insert(w);
  return out;
}

// What is left of the networks beyond their bridges and gateway addresses.
inline std::vector<std::string> residue(const std::vector<Net>& nets, bool table_gone) {
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

inline std::string joined(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += x + "\n";
  return s;
}

}  // namespace berth::test::storm
