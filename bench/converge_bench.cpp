// berth-bench-converge: how long berth-node takes to route a node that joins and to
// withdraw one that leaves, over N trials, with a real etcd (Debian's etcd-server) on the
// loopback of a throwaway host. The agent under test runs in that host (host-gw, its
// underlay a bridge with 10.250.0.1/24); each trial's remote node is written to etcd as a
// node does it (a registration under a lease, then a block claim), and leaves by revoking
// its lease, as berth-node does on SIGTERM. The clock runs from just before the write that
// makes the change (the claim; the revoke), its etcd round trip included, until the
// kernel's main table shows it (polled every 0.2 ms).
//   target: p50 and max <= 1 s, for joins and for leaves
// Never a CTest test. Needs root: sudo build/bin/berth-bench-converge [--trials N]
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "bench/report.h"
#include "bench/sandbox.h"
#include "bench/spawn.h"
#include "core/etcd/client.h"
#include "core/ipam/blocks.h"
#include "core/netlink/addr_route.h"
#include "core/netlink/link.h"

using namespace berth::bench;
using Clock = std::chrono::steady_clock;

namespace {

const std::string kEtcd = "http://127.0.0.1:23790";
const std::string kNet = "bench";

std::string bin_dir() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  std::string self(buf, n > 0 ? static_cast<size_t>(n) : 0);
  return self.substr(0, self.rfind('/'));
}

pid_t start(const std::vector<std::string>& args) {
  pid_t pid = fork();
  if (pid == 0) {
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  return pid;
}

bool etcd_ready() {
  return spawn_argv({"/usr/bin/etcdctl", "--endpoints=" + kEtcd, "endpoint", "health"}, {"ETCDCTL_API=3"}).exit_code == 0;
}

// Whether the main table has berth-node's route to `block` now.
bool routed(const berth::netlink::Socket& nl, const berth::Prefix& block) {
  auto routes = berth::netlink::list_routes_by_protocol(nl, 245);
  if (!routes) return false;
  for (const auto& r : *routes)
    if (r.dst == block) return true;
  return false;
}

// Milliseconds until `routed(block) == want`, or -1 after 5 s.
double wait_for(const berth::netlink::Socket& nl, const berth::Prefix& block, bool want, Clock::time_point t0) {
  while (Clock::now() - t0 < std::chrono::seconds(5)) {
    if (routed(nl, block) == want) return std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  return -1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"berth-node's route convergence after a node joins and leaves"};
  int trials = 20;
  app.add_option("--trials", trials, "joins and leaves to time");
  CLI11_PARSE(app, argc, argv);
  if (auto err = become_throwaway_host(); !err.empty()) {
    std::fprintf(stderr, "berth-bench-converge: %s (run as root)\n", err.c_str());
    return 1;
  }
  char tmpl[] = "/tmp/berth-bench-converge-XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  pid_t etcd = start({"/usr/bin/etcd", "--data-dir=" + dir + "/etcd", "--listen-client-urls=" + kEtcd,
                      "--advertise-client-urls=" + kEtcd, "--listen-peer-urls=http://127.0.0.1:23791",
                      "--initial-advertise-peer-urls=http://127.0.0.1:23791",
                      "--initial-cluster=default=http://127.0.0.1:23791", "--log-level=error", "--logger=zap"});
  for (int i = 0; i < 100 && !etcd_ready(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));

  // The underlay: the remote nodes' addresses are on-link through ul0.
  auto nl = berth::netlink::Socket::open();
  if (!nl) return std::fprintf(stderr, "%s\n", nl.error().what().c_str()), 1;
  auto ul = berth::netlink::ensure_bridge(*nl, "ul0", 0, false);
  if (!ul || !berth::netlink::add_address(*nl, ul->index, *berth::Prefix::parse("10.250.0.1/24")))
    return std::fprintf(stderr, "cannot make the underlay bridge\n"), 1;

  setenv("BERTH_LOG_LEVEL", "warn", 1);  // the agent's log: only what went wrong
  pid_t agent = start({bin_dir() + "/berth-node", "--node-name", "observer", "--node-ip", "10.250.0.1", "--network",
                       kNet, "--etcd-endpoints", kEtcd, "--ipam-data-dir", dir + "/ipam"});
  berth::etcd::Config cfg;
  cfg.endpoints = {kEtcd};
  berth::etcd::Client etcd_client(cfg);
  for (int i = 0; i < 100; ++i) {  // the agent has registered
    auto kv = etcd_client.get(cfg.prefix + "/nodes/observer");
    if (kv && *kv) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }

  std::vector<double> joins, leaves;
  int failed = 0;
  for (int k = 0; k < trials; ++k) {
    const std::string node = "remote" + std::to_string(k);
    const auto block = *berth::Prefix::parse("10.244." + std::to_string(k) + ".0/26");
    auto lease = etcd_client.lease_grant(10);
    if (!lease) return std::fprintf(stderr, "%s\n", lease.error().what().c_str()), 1;
    nlohmann::json reg{{"address", "10.250.0." + std::to_string(10 + k)}, {"mode", "host-gw"}};
    if (!etcd_client.put(cfg.prefix + "/nodes/" + node, reg.dump(), *lease))
      return std::fprintf(stderr, "etcd write failed\n"), 1;
    auto t0 = Clock::now();
    if (!etcd_client.put(cfg.prefix + "/ipam/" + kNet + "/blocks/" + berth::ipam::block_name(block),
                         berth::ipam::claim_value(block, node)))
      return std::fprintf(stderr, "etcd write failed\n"), 1;
    double j = wait_for(*nl, block, true, t0);
    t0 = Clock::now();
    if (!etcd_client.lease_revoke(*lease)) return std::fprintf(stderr, "etcd revoke failed\n"), 1;
    double l = wait_for(*nl, block, false, t0);
    if (j < 0 || l < 0) ++failed;
    if (j >= 0) joins.push_back(j);
    if (l >= 0) leaves.push_back(l);
  }
  auto row = [](const char* what, std::vector<double> v) {
    if (v.empty()) return std::printf("| %s | - | - | - |\n", what), void();
    double mx = *std::max_element(v.begin(), v.end());
    std::printf("| %s | %.2f ms | %.2f ms | %s |\n", what, percentile(v, 50), mx, mx <= 1000 ? "met" : "missed");
  };
  std::printf("| berth-node route convergence (%d trials, host-gw) | p50 | max | target <= 1 s |\n|---|---|---|---|\n",
              trials);
  row("a node joins (registration + block claim -> route)", joins);
  row("a node leaves (lease revoked -> route withdrawn)", leaves);
  if (failed) std::printf("%d trial(s) did not converge within 5 s\n", failed);
  kill(agent, SIGTERM);
  waitpid(agent, nullptr, 0);
  kill(etcd, SIGTERM);
  waitpid(etcd, nullptr, 0);
  return failed ? 1 : 0;
}
