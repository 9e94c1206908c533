#include "node/agent.h"

#include <algorithm>
#include <chrono>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "core/ipam/block_cache.h"
#include "core/ipam/blocks.h"
#include "core/ipam/disk_store.h"
#include "node/lease_mirror.h"
#include "node/masquerade.h"

namespace berth::node {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

// Sleeps up to `d`, waking early when `stop` is set.
void nap(std::chrono::milliseconds d, const std::atomic<bool>& stop) {
  for (auto left = d; left.count() > 0 && !stop.load(); left -= 50ms) std::this_thread::sleep_for(std::min(left, std::chrono::milliseconds(50)));
}

}  // namespace

Agent::Agent(NodeConfig cfg, const std::atomic<bool>& stop)
    : cfg_(std::move(cfg)),
      stop_(stop),
      kv_(std::make_unique<etcd::Client>(cfg_.etcd)),
      keep_(std::make_unique<etcd::Client>(cfg_.etcd)),
      mirror_(std::make_unique<etcd::Client>(cfg_.etcd)),
      nodes_prefix_(cfg_.etcd.prefix + "/nodes/"),
      blocks_prefix_(cfg_.etcd.prefix + "/ipam/" + cfg_.network + "/blocks/") {}

Agent::~Agent() = default;

std::pair<uint64_t, uint64_t> Agent::etcd_round_trips() const {
  uint64_t trips = 0, latency = 0;
  for (const auto* c : {kv_.get(), keep_.get(), mirror_.get()}) {
    trips += c->stats().round_trips;
    latency += c->stats().latency_us_sum;
  }
  return {trips, latency};
}

Result<> Agent::register_node(etcd::Client& c) {
  int64_t id = BERTH_TRY(c.lease_grant(cfg_.lease_ttl));
  json value{{"address", cfg_.address.str()}, {"mode", cfg_.mode}};
  if (dataplane_ && dataplane_->vtep_mac()) value["vtepMac"] = netlink::mac_to_string(dataplane_->vtep_mac()->data());
  // The name is ours if nobody holds it, or if the holder has our address (this node's own
  // registration from before a crash, its lease not yet expired). Compare and put in one
  // transaction, so two agents given the same name cannot both win.
  const std::string key = nodes_prefix_ + cfg_.name;
  for (int attempt = 0; attempt < 3; ++attempt) {
    auto current = BERTH_TRY(c.get(key));
    etcd::Txn t;
    if (!current) {
      t.compare.push_back(etcd::Compare::absent(key));
    } else {
      auto j = json::parse(current->value, nullptr, false);
      const std::string holder = j.is_object() ? j.value("address", "") : "";
      if (holder != cfg_.address.str()) {
        (void)c.lease_revoke(id);
        return fail(Code::kInvalidConfig,
                    "node name `" + cfg_.name + "` is registered by another node, at " + holder,
                    "give every node its own --node-name; a node that is gone lets go of its name when its "
                    "lease runs out (its lease TTL)");
      }
      t.compare.push_back(etcd::Compare::unchanged(key, current->mod_revision));
    }
    t.success.push_back(etcd::Op::put(key, value.dump(), id));
    if (BERTH_TRY(c.txn(t)).succeeded) {
      lease_ = id;
      counters_.registrations++;
      spdlog::info("node {} registered at {} (lease {:x}, TTL {} s)", cfg_.name, cfg_.address.str(), id,
                   cfg_.lease_ttl);
      return {};
    }
  }
  (void)c.lease_revoke(id);
  return fail(Code::kTryAgainLater, "register node `" + cfg_.name + "`: its key kept changing");
}

void Agent::free_dead_blocks() {
  std::vector<std::pair<Prefix, Owner>> dead;
  {
    std::lock_guard lock(mu_);
    const auto limit = std::chrono::steady_clock::now() - std::chrono::seconds(cfg_.dead_node_grace);
    for (const auto& [block, owner] : blocks_) {
      auto g = gone_since_.find(owner.node);
      if (g != gone_since_.end() && g->second <= limit) dead.emplace_back(block, owner);
    }
  }
  ipam::BlockRegistry registry(*keep_, cfg_.network);
  for (const auto& [block, owner] : dead) {
    auto r = registry.release(block, owner.node, owner.revision);
    if (!r) {
      counters_.errors_etcd++;
      spdlog::warn("free block {} of gone node {}: {}", block.str(), owner.node, r.error().what());
    } else if (*r) {
      counters_.blocks_freed++;
      spdlog::info("freed block {} of node {}, gone for over {} s", block.str(), owner.node, cfg_.dead_node_grace);
    }
  }
}

// Renews the lease three times per TTL; a lease that expired anyway (etcd was away
// longer than the TTL) is replaced by a new registration.
void Agent::keep_alive() {
  const auto period = std::max(std::chrono::milliseconds(cfg_.lease_ttl * 1000 / 3), 200ms);
  while (!stopping()) {
    nap(period, stop_);
    if (stopping()) break;
    free_dead_blocks();
    auto ttl = keep_->lease_keepalive(lease_);
    if (ttl && *ttl > 0) continue;
    counters_.errors_lease++;
    if (!ttl) {
      spdlog::warn("cannot renew the node's lease: {}", ttl.error().what());
      continue;
    }
    spdlog::warn("the node's lease expired; registering again");
    if (auto r = register_node(*keep_); !r) spdlog::warn("register node {}: {}", cfg_.name, r.error().what());
  }
}

void Agent::mirror_leases() {
  LeaseMirror mirror(*mirror_, cfg_.etcd.prefix + "/ipam/" + cfg_.network + "/leases/", cfg_.name,
                     cfg_.ipam_data_dir + "/" + cfg_.network);
  bool failing = false;
  uint64_t passes = 0;
  while (!stopping()) {
    auto c = mirror.sync(lease_);
    if (!c) {
      counters_.errors_etcd++;
      if (!failing) spdlog::warn("mirror the node's leases into etcd: {}", c.error().what());
      failing = true;
    } else {
      failing = false;
      counters_.allocations += c->puts;
      counters_.releases += c->deletes;
      counters_.leases = mirror.size();
    }
    if (++passes % 10 == 0) tend_blocks();
    nap(failing ? 1000ms : 100ms, stop_);
  }
}

void Agent::tend_blocks() {
  const int64_t seen = seen_revision_;
  if (seen == 0) return;
  auto store = ipam::DiskStore::open(cfg_.ipam_data_dir, cfg_.network, false, 200ms);
  if (!store || !*store) return;  // nothing ever leased here
  // Under berth-ipam's lock: no ADD allocates from a block while it is looked at.
  if (!(*store)->lock()) return;  // busy: next time
  struct Unlock {
    ipam::Store& s;
    ~Unlock() { s.unlock(); }
  } unlock{**store};
  auto cache = ipam::BlockCache::open((*store)->path(), false);
  if (!cache) return;
  auto cached = cache->load(cfg_.name);
  if (!cached) return;
  std::vector<ipam::BlockClaim> kept;
  for (const auto& c : *cached) {
    // A claim newer than what the watch has shown is one berth-ipam just made.
    bool ours = c.revision > seen;
    if (!ours) {
      std::lock_guard lock(mu_);
      auto b = blocks_.find(c.cidr);
      ours = b != blocks_.end() && b->second.node == cfg_.name;
    }
    if (ours) {
      kept.push_back(c);
      continue;
    }
    if (auto r = cache->forget(c.cidr); !r) {
      spdlog::warn("{}", r.error().what());
      continue;
    }
    counters_.blocks_forgotten++;
    spdlog::warn("block {} is no longer this node's in etcd (freed while the node was gone?): no new pod "
                 "gets an address from it here", c.cidr.str());
  }
  if (cfg_.empty_block_grace > 0) return_empty_blocks(*cache, kept, (*store)->path());
}

// A block of ours without a lease for longer than the grace goes back to the cluster,
// except the node's last one (its next pod would pay a claim). Forgotten here first, so no
// ADD takes an address from it; a failed release in etcd leaves a claim the node's next
// claim adopts. Called under berth-ipam's lock.
void Agent::return_empty_blocks(const ipam::BlockCache& cache, const std::vector<ipam::BlockClaim>& owned,
                                const std::string& dir) {
  auto leases = read_local_leases(dir);
  if (!leases) return;
  const auto now = std::chrono::steady_clock::now();
  const auto grace = std::chrono::seconds(cfg_.empty_block_grace);
  size_t left = owned.size();
  std::set<Prefix> present;
  for (const auto& c : owned) {
    present.insert(c.cidr);
    bool used = std::any_of(leases->begin(), leases->end(), [&](const auto& l) { return c.cidr.contains(l.first); });
    if (used) {
      empty_since_.erase(c.cidr);
      continue;
    }
    auto since = empty_since_.try_emplace(c.cidr, now).first->second;
    if (now - since < grace || left <= 1) continue;
    if (auto r = cache.forget(c.cidr); !r) {
      spdlog::warn("{}", r.error().what());
      continue;
    }
    --left;
    empty_since_.erase(c.cidr);
    ipam::BlockRegistry registry(*mirror_, cfg_.network);
    auto r = registry.release(c.cidr, cfg_.name, c.revision);
    if (!r) {
      counters_.errors_etcd++;
      spdlog::warn("return empty block {}: {}", c.cidr.str(), r.error().what());
      continue;
    }
    counters_.blocks_returned++;
    spdlog::info("returned block {}, empty for over {} s", c.cidr.str(), cfg_.empty_block_grace);
  }
  for (auto it = empty_since_.begin(); it != empty_since_.end();)
    it = present.count(it->first) ? std::next(it) : empty_since_.erase(it);
}

void Agent::note(const etcd::KeyValue& kv, bool deleted) {
  if (kv.key.starts_with(nodes_prefix_)) {
    const std::string name = kv.key.substr(nodes_prefix_.size());
    if (deleted) {
      nodes_.erase(name);
      return;
    }
    auto j = json::parse(kv.value, nullptr, false);
    auto addr = j.is_object() && j.contains("address") && j["address"].is_string()
                    ? IpAddr::parse(j["address"].get<std::string>())
                    : std::nullopt;
    if (!addr) {
      spdlog::warn("etcd key {}: no address; ignored", kv.key);
      return;
    }
    PeerNode peer{*addr, std::nullopt};
    if (j.contains("vtepMac") && j["vtepMac"].is_string()) peer.vtep_mac = netlink::parse_mac(j["vtepMac"].get<std::string>());
    nodes_[name] = peer;
  } else if (kv.key.starts_with(blocks_prefix_)) {
    auto block = ipam::parse_block_name(kv.key.substr(blocks_prefix_.size()));
    if (!block) return;
    if (deleted) {
      blocks_.erase(*block);
      return;
    }
    if (auto c = ipam::parse_claim(kv)) blocks_[*block] = Owner{c->node, c->revision};
  }
}

Result<int64_t> Agent::resync() {
  auto all = BERTH_TRY(kv_->range_prefix(cfg_.etcd.prefix + "/"));
  std::lock_guard lock(mu_);
  nodes_.clear();
  blocks_.clear();
  for (const auto& kv : all.kvs) note(kv, false);
  counters_.resyncs++;
  reconcile();
  seen_revision_ = all.revision;
  return all.revision;
}

void Agent::apply(const std::vector<etcd::WatchEvent>& events) {
  std::lock_guard lock(mu_);
  for (const auto& e : events) note(e.kv, e.type == etcd::WatchEvent::Type::kDelete);
  if (!events.empty()) reconcile();
}

// Makes the kernel equal to what the cluster's state asks of this node (dataplane.h), and
// notes since when the owners of blocks have been unregistered. Called with mu_ held.
void Agent::reconcile() {
  std::map<Prefix, std::string> owners;
  for (const auto& [block, owner] : blocks_) owners[block] = owner.node;
  Plan p = plan(cfg_.name, cfg_.mode == "vxlan", owners, nodes_);
  const auto now = std::chrono::steady_clock::now();
  for (auto it = gone_since_.begin(); it != gone_since_.end();)
    it = p.gone_owners.count(it->first) ? std::next(it) : gone_since_.erase(it);
  for (const auto& g : p.gone_owners) gone_since_.try_emplace(g, now);
  auto c = dataplane_->apply(p);
  counters_.route_adds += c.route_adds;
  counters_.route_withdrawals += c.route_withdrawals;
  counters_.errors_netlink += c.errors;
  counters_.routes = dataplane_->routes();
  counters_.blocks_owned = p.blocks_owned;
  counters_.nodes = nodes_.size();
}

Result<> Agent::run() {
  netlink::VxlanSpec vx{.name = kVxlanDevice, .vni = cfg_.vxlan_vni, .local = cfg_.address,
                        .port = cfg_.vxlan_port, .mtu = 0};
  dataplane_ = BERTH_TRY(Dataplane::open(cfg_.mode == "vxlan", vx));
  if (!cfg_.cluster_cidrs.empty()) BERTH_TRY(install_masquerade(cfg_.cluster_cidrs));
  while (!stopping()) {
    auto r = register_node(*kv_);
    if (r) break;
    counters_.errors_etcd++;
    if (r.error().code == Code::kInvalidConfig) return r;
    spdlog::warn("register node {}: {}; retrying", cfg_.name, r.error().what());
    nap(1s, stop_);
  }
  std::thread keeper([this] { keep_alive(); });
  std::thread mirror([this] { mirror_leases(); });
  auto backoff = 100ms;
  while (!stopping()) {
    auto rev = resync();
    if (!rev) {
      counters_.errors_etcd++;
      spdlog::warn("read the cluster's state: {}", rev.error().what());
      nap(backoff, stop_);
      backoff = std::min(backoff * 2, std::chrono::milliseconds(2000));
      continue;
    }
    backoff = 100ms;
    auto w = kv_->watch(
        cfg_.etcd.prefix + "/", *rev + 1, [this](const auto& events, int64_t) { apply(events); },
        [this] { return !stopping(); });
    if (!w && !stopping()) {
      counters_.errors_etcd++;
      spdlog::warn("watch: {}; reading everything again", w.error().what());
      nap(backoff, stop_);
    }
  }
  keeper.join();
  mirror.join();
  // Leaving: the other nodes withdraw their routes to this one as soon as the key goes.
  if (auto r = kv_->lease_revoke(lease_); !r) spdlog::warn("revoke the node's lease: {}", r.error().what());
  if (!cfg_.cluster_cidrs.empty())
    if (auto r = remove_masquerade(); !r) spdlog::warn("{}", r.error().what());
  spdlog::info("node {} left", cfg_.name);
  return {};
}

}  // namespace berth::node
