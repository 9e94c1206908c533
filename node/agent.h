// berth-node's agent: registers this node in etcd under a lease it keeps alive, follows
// every node's registration and every block claim of the network (one watch), and keeps
// the kernel's routes to the other nodes' blocks equal to what etcd says (dataplane.h:
// host-gw or vxlan).
//
// etcd keys: P/nodes/<name> {"address": ..., "mode": ..., "vtepMac": ...} bound to the
// node's lease (vtepMac in vxlan mode), and
// the claims of core/ipam/blocks.h. A block whose owner has been unregistered for longer
// than the grace is freed (compare-and-delete on the claim as read, so of several agents
// trying, one succeeds and a claim made meanwhile is never touched).
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/etcd/client.h"
#include "core/ip.h"
#include "core/ipam/block_cache.h"
#include "node/config.h"
#include "node/dataplane.h"

namespace berth::node {

// What /metrics shows (metrics.h).
struct Counters {
  std::atomic<uint64_t> route_adds{0}, route_withdrawals{0}, resyncs{0}, registrations{0};
  std::atomic<uint64_t> errors_etcd{0}, errors_netlink{0}, errors_lease{0};
  std::atomic<uint64_t> routes{0}, blocks_owned{0}, nodes{0}, blocks_freed{0};
  std::atomic<uint64_t> allocations{0}, releases{0}, leases{0};  // the lease mirror's
  std::atomic<uint64_t> blocks_forgotten{0}, blocks_returned{0};
};

class Agent {
 public:
  Agent(NodeConfig cfg, const std::atomic<bool>& stop);
  ~Agent();

  // Runs until `stop` is set; then revokes the node's lease (the others withdraw their
  // routes to it at once) and returns. Errors only for what retrying cannot fix.
  [[nodiscard]] Result<> run();

  [[nodiscard]] const Counters& counters() const { return counters_; }
  // etcd round trips and their total latency, over every client of the agent.
  [[nodiscard]] std::pair<uint64_t, uint64_t> etcd_round_trips() const;

 private:
  [[nodiscard]] Result<> register_node(etcd::Client& c);
  void keep_alive();
  // Mirrors the node's IPAM leases into etcd (lease_mirror.h) every 100 ms (own thread).
  void mirror_leases();
  // Drops from berth-ipam's block cache the blocks etcd no longer says are this node's
  // (freed while the node was gone, maybe claimed by another since): no new pod gets an
  // address there; and returns blocks empty for longer than the grace. Mirror thread,
  // about once a second.
  void tend_blocks();
  void return_empty_blocks(const ipam::BlockCache& cache, const std::vector<ipam::BlockClaim>& owned,
                           const std::string& dir);
  [[nodiscard]] Result<int64_t> resync();
  void apply(const std::vector<etcd::WatchEvent>& events);
  void note(const etcd::KeyValue& kv, bool deleted);
  void reconcile();
  // Frees the blocks of nodes gone for longer than the grace (keep-alive thread).
  void free_dead_blocks();
  [[nodiscard]] bool stopping() const { return stop_.load(); }

  NodeConfig cfg_;
  const std::atomic<bool>& stop_;
  std::optional<Dataplane> dataplane_;  // watch thread only
  std::unique_ptr<etcd::Client> kv_;    // resync and watch (this thread)
  std::unique_ptr<etcd::Client> keep_;  // the lease (keep-alive thread)
  std::unique_ptr<etcd::Client> mirror_;  // the lease mirror's thread
  std::atomic<int64_t> lease_{0};
  std::atomic<int64_t> seen_revision_{0};  // etcd revision blocks_ reflects (0: not read yet)
  std::string nodes_prefix_, blocks_prefix_;

  struct Owner {
    std::string node;
    int64_t revision = 0;  // of the claim, for the compare-and-delete that frees it
  };
  std::mutex mu_;  // the three maps below: the watch thread writes, the keep-alive thread reads
  std::map<std::string, PeerNode> nodes_;  // registered nodes
  std::map<Prefix, Owner> blocks_;        // claimed block -> owner
  std::map<std::string, std::chrono::steady_clock::time_point> gone_since_;  // owners not registered
  std::map<Prefix, std::chrono::steady_clock::time_point> empty_since_;  // mirror thread only
  Counters counters_;
};

}  // namespace berth::node
