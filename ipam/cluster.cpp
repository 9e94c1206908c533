#include "ipam/cluster.h"

#include <spdlog/spdlog.h>

#include "core/ipam/block_cache.h"
#include "core/ipam/disk_store.h"
#include "core/failpoint.h"
#include "ipam/allocator.h"

namespace berth::ipam {
namespace {

// A block as a range: its network address and (IPv4) broadcast are never handed out, and
// its first address is the gateway the bridge takes for the block's pods.
Range block_range(const Prefix& block) {
  Range r;
  r.subnet = block;
  r.gateway = block.network().next();
  r.start = r.gateway.next();
  r.end = block.addr.is_v4() ? block.last().plus(-1) : block.last();
  return r;
}

// The one range set of the node's blocks; nullopt when it owns none.
Result<std::optional<RangeSet>> set_of(const std::vector<BlockClaim>& owned) {
  if (owned.empty()) return std::optional<RangeSet>();
  std::vector<Range> ranges;
  for (const auto& b : owned) ranges.push_back(block_range(b.cidr));
  return std::optional<RangeSet>(BERTH_TRY(RangeSet::of(std::move(ranges), "the node's blocks")));
}

std::vector<Prefix> cidrs(const std::vector<BlockClaim>& owned) {
  std::vector<Prefix> out;
  for (const auto& b : owned) out.push_back(b.cidr);
  return out;
}

struct Local {
  std::unique_ptr<DiskStore> store;
  BlockCache cache;
};

Result<Local> open_local(const std::string& data_dir, const std::string& network, bool create) {
  auto store = BERTH_TRY(DiskStore::open(data_dir, network, create));
  if (!store) return Local{nullptr, BERTH_TRY(BlockCache::open(data_dir + "/" + network, false))};
  auto cache = BERTH_TRY(BlockCache::open(store->path(), create));
  return Local{std::move(store), std::move(cache)};
}

Result<std::vector<BlockClaim>> owned_blocks(Local& l, const std::string& node) {
  auto lock = BERTH_TRY(StoreLock::acquire(*l.store));
  return l.cache.load(node);
}

}  // namespace

Result<std::vector<cni::IpConfig>> cluster_allocate(const ClusterConfig& c, const std::string& data_dir,
                                                    const std::string& network, const Attachment& a,
                                                    const std::vector<IpAddr>& requested) {
  auto local = BERTH_TRY(open_local(data_dir, network, /*create=*/true));
  // Each round either allocates, or claims one block (or sees another ADD of this node
  // claim one) and tries again; a new block always has room, so two rounds suffice
  // unless other ADDs fill blocks as fast as they come. Every lost round means a block was
  // claimed and filled meanwhile; with tens of parallel ADDs on a slow (sanitized) build,
  // 4 rounds were lost. A CIDR running out ends the loop at once, with the claim's error.
  for (int round = 0; round < 16; ++round) {
    auto owned = BERTH_TRY(owned_blocks(local, c.node));
    if (auto set = BERTH_TRY(set_of(owned))) {
      auto r = allocate(*local.store, {*set}, a, requested);
      if (r || r.error().code != Code::kRangeFull) return r;
    }
    auto lock = BERTH_TRY(StoreLock::acquire(*local.store));
    if (BERTH_TRY(local.cache.load(c.node)).size() != owned.size()) continue;  // claimed meanwhile
    etcd::Client client(c.etcd);
    BlockRegistry registry(client, network);
    auto claim = registry.claim(c.plan, c.node, cidrs(owned));
    if (!claim) {
      Error e = claim.error().wrap("claim a block of " + c.plan.cidr().str() + " for node " + c.node);
      if (!owned.empty() && e.code == Code::kRangeFull)
        e.details = "the node's " + std::to_string(owned.size()) + " block(s) are full and " + e.details;
      return std::unexpected(e);
    }
    BERTH_TRY(local.cache.record(*claim));
    failpoint("ipam.block.recorded");
  }
  return fail(Code::kTryAgainLater, "the node's blocks filled up faster than they could be claimed",
              "retry the ADD");
}

Result<> cluster_check(const ClusterConfig& c, const std::string& data_dir, const std::string& network,
                       const Attachment& a) {
  auto local = BERTH_TRY(open_local(data_dir, network, /*create=*/false));
  std::optional<RangeSet> set;
  if (local.store) {
    auto owned = BERTH_TRY(owned_blocks(local, c.node));
    set = BERTH_TRY(set_of(owned));
  }
  if (!set)
    return fail(Code::kCheckFailed, "container " + a.container_id + " ifname " + a.ifname + " holds no address",
                "node " + c.node + " owns no block of network " + network);
  return check(*local.store, {*set}, a);
}

Result<> cluster_status(const ClusterConfig& c, const std::string& data_dir, const std::string& network) {
  auto local = BERTH_TRY(open_local(data_dir, network, /*create=*/false));
  if (local.store) {
    auto owned = BERTH_TRY(owned_blocks(local, c.node));
    if (auto set = BERTH_TRY(set_of(owned)))
      if (status(*local.store, {*set})) return {};  // a block with room: ADD needs no etcd
  }
  etcd::Client client(c.etcd);
  BlockRegistry registry(client, network);
  auto claims = registry.list();
  if (!claims)
    return fail(Code::kNotAvailable, "cannot serve ADD: etcd is unreachable and node " + c.node +
                                         " has no block with a free address",
                claims.error().what());
  size_t in_plan = 0;
  for (const auto& b : *claims) in_plan += c.plan.is_block(b.cidr);
  if (in_plan >= c.plan.count())
    return fail(Code::kNotAvailable, "cannot serve ADD: cluster CIDR " + c.plan.cidr().str() + " has no free block",
                "and node " + c.node + " has no block with a free address");
  return {};
}

}  // namespace berth::ipam
