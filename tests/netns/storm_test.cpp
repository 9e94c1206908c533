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
#include <catch2/catch.hpp>

#include "tests/netns/storm_harness.h"

using namespace berth::test;
using namespace berth::test::storm;

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
  REQUIRE(g_peak_inflight >= kMinPeakInflight);  // the operations really overlapped

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
