// berth-bench-cluster: berth-ipam with the etcd store against the same plugin with the
// local store and against the reference host-local, all exec'd as a runtime does, in one
// run inside a throwaway host with a real etcd (Debian's etcd-server) on its loopback.
//   - ADD p50 in a block with room (target: <= 1.2 x the local store)
//   - ADD that claims a new block (blockSize 30: every ADD claims one)
//   - etcd round trips per ADD, from etcd's own gRPC counters (target: 0 with room)
//   - allocations per second with 3 nodes allocating in parallel
// Never a CTest test. Needs root: sudo build/bin/berth-bench-cluster [--adds N]
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>

#include "bench/report.h"
#include "bench/sandbox.h"
#include "bench/spawn.h"

using namespace berth::bench;

namespace {

const std::string kEtcd = "http://127.0.0.1:23790";

std::string bin_dir() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  std::string self(buf, n > 0 ? static_cast<size_t>(n) : 0);
  return self.substr(0, self.rfind('/'));
}

pid_t start_etcd(const std::string& dir) {
  pid_t pid = fork();
  if (pid == 0) {
    freopen((dir + "/etcd.log").c_str(), "w", stderr);
    freopen("/dev/null", "w", stdout);
    execl("/usr/bin/etcd", "etcd", ("--data-dir=" + dir + "/etcd").c_str(),
          ("--listen-client-urls=" + kEtcd).c_str(), ("--advertise-client-urls=" + kEtcd).c_str(),
          "--listen-peer-urls=http://127.0.0.1:23791", "--initial-advertise-peer-urls=http://127.0.0.1:23791",
          "--initial-cluster=default=http://127.0.0.1:23791", "--log-level=error", "--logger=zap", nullptr);
    _exit(127);
  }
  for (int i = 0; i < 200; ++i) {
    auto r = spawn_argv({"/usr/bin/etcdctl", "--endpoints=" + kEtcd, "endpoint", "health"}, {"ETCDCTL_API=3"});
    if (r.exit_code == 0) return pid;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::fprintf(stderr, "etcd did not start (see %s/etcd.log)\n", dir.c_str());
  std::exit(1);
}

// Requests etcd has handled (every gateway call is one gRPC call inside etcd).
double etcd_requests() {
  auto r = spawn_argv({"/bin/busybox", "wget", "-qO-", kEtcd + "/metrics"}, {});
  double sum = 0;
  size_t pos = 0;
  while ((pos = r.out.find("\ngrpc_server_handled_total{", pos)) != std::string::npos) {
    auto end = r.out.find('\n', pos + 1);
    auto line = r.out.substr(pos + 1, end - pos - 1);
    if (line.find("grpc_method=\"Range\"") != std::string::npos || line.find("grpc_method=\"Txn\"") != std::string::npos ||
        line.find("grpc_method=\"Put\"") != std::string::npos)
      sum += std::stod(line.substr(line.rfind(' ') + 1));
    pos = end;
  }
  return sum;
}

std::string conf(const std::string& ipam) {
  return R"({"cniVersion":"1.1.0","name":"benchnet","type":"berth-bridge","ipam":)" + ipam + "}";
}

std::string etcd_ipam(const std::string& node, int block, const std::string& dir) {
  return R"({"type":"berth-ipam","store":{"type":"etcd","endpoints":[")" + kEtcd + R"("]},"clusterCIDR":"10.128.0.0/9","blockSize":)" +
         std::to_string(block) + R"(,"nodeName":")" + node + R"(","dataDir":")" + dir + "\"}";
}

Exec add(const std::string& plugin, const std::string& config, const std::string& id) {
  return spawn(plugin, {"CNI_COMMAND=ADD", "CNI_CONTAINERID=" + id, "CNI_IFNAME=eth0", "CNI_NETNS=/var/run/netns/x",
                        "CNI_PATH=/usr/lib/cni", "PATH=/usr/bin:/bin"},
               config);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"berth-ipam's etcd store against its local store and host-local, in one run"};
  int n = 200;
  app.add_option("--adds", n, "timed ADDs per suite (interleaved)");
  CLI11_PARSE(app, argc, argv);
  if (auto err = become_throwaway_host(); !err.empty()) {
    std::fprintf(stderr, "berth-bench-cluster: %s (run as root)\n", err.c_str());
    return 1;
  }
  char tmpl[] = "/tmp/berth-bench-cluster-XXXXXX";
  const std::string dir = mkdtemp(tmpl);
  pid_t etcd = start_etcd(dir);
  const std::string ipam = bin_dir() + "/berth-ipam";
  const std::string local = conf(R"({"type":"berth-ipam","subnet":"10.1.0.0/16","dataDir":")" + dir + "/local\"}");
  const std::string cluster = conf(etcd_ipam("bench-node", 18, dir + "/cluster"));
  const std::string hostlocal = conf(R"({"type":"host-local","subnet":"10.2.0.0/16","dataDir":")" + dir + "/hl\"}");
  const std::string claiming = conf(etcd_ipam("claim-node", 30, dir + "/claim"));
  if (add(ipam, cluster, "warm").exit_code != 0) {  // claims the node's first block
    std::fprintf(stderr, "berth-ipam with the etcd store failed\n");
    return 1;
  }
  std::vector<double> t_local, t_cluster, t_ref, t_claim;
  double before = etcd_requests();
  for (int i = 0; i < n; ++i) {
    const std::string id = "c" + std::to_string(i);
    t_local.push_back(add(ipam, local, id).ms);
    auto c = add(ipam, cluster, id);
    if (c.exit_code != 0) std::fprintf(stderr, "etcd store ADD failed: %s\n", c.out.c_str());
    t_cluster.push_back(c.ms);
    t_ref.push_back(add("/usr/lib/cni/host-local", hostlocal, id).ms);
  }
  double trips_room = (etcd_requests() - before) / n;
  before = etcd_requests();
  const int claims = std::min(n, 100);
  for (int i = 0; i < claims; ++i) t_claim.push_back(add(ipam, claiming, "k" + std::to_string(i)).ms);
  double trips_claim = (etcd_requests() - before) / claims;

  // Three nodes at once, each claiming its blocks and allocating from them.
  const int per_node = std::max(n, 60);
  auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> nodes;
  for (int k = 0; k < 3; ++k)
    nodes.emplace_back([&, k] {
      const std::string cfg = conf(etcd_ipam("par-node" + std::to_string(k), 26, dir + "/par" + std::to_string(k)));
      for (int i = 0; i < per_node; ++i) add(ipam, cfg, "p" + std::to_string(i));
    });
  for (auto& t : nodes) t.join();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  double p_local = percentile(t_local, 50), p_cluster = percentile(t_cluster, 50), p_ref = percentile(t_ref, 50);
  double p_claim = percentile(t_claim, 50);
  std::printf("| berth-ipam ADD (%d each, interleaved) | p50 | p90 | vs local store |\n|---|---|---|---|\n", n);
  std::printf("| local store | %.2f ms | %.2f ms | 1.00 |\n", p_local, percentile(t_local, 90));
  std::printf("| etcd store, block with room | %.2f ms | %.2f ms | %.2f (target <= 1.2: %s) |\n", p_cluster,
              percentile(t_cluster, 90), p_cluster / p_local, p_cluster / p_local <= 1.2 ? "met" : "missed");
  std::printf("| etcd store, ADD that claims a block | %.2f ms | %.2f ms | %.2f |\n", p_claim, percentile(t_claim, 90),
              p_claim / p_local);
  std::printf("| reference host-local | %.2f ms | %.2f ms | %.2f |\n\n", p_ref, percentile(t_ref, 90), p_ref / p_local);
  std::printf("etcd round trips per ADD: %.2f with room (target 0), %.2f when claiming\n", trips_room, trips_claim);
  std::printf("allocations per second, 3 nodes in parallel: %.0f (%d ADDs in %.2f s)\n", 3 * per_node / secs,
              3 * per_node, secs);
  kill(etcd, SIGTERM);
  waitpid(etcd, nullptr, 0);
  return 0;
}
