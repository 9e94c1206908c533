#include "node/agent.h"

#include <chrono>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "core/ipam/blocks.h"
#include "core/netlink/addr_route.h"

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
      nodes_prefix_(cfg_.etcd.prefix + "/nodes/"),
      blocks_prefix_(cfg_.etcd.prefix + "/ipam/" + cfg_.network + "/blocks/") {}

Agent::~Agent() = default;

std::pair<uint64_t, uint64_t> Agent::etcd_round_trips() const {
  return {kv_->stats().round_trips + keep_->stats().round_trips,
          kv_->stats().latency_us_sum + keep_->stats().latency_us_sum};
}

Result<> Agent::register_node(etcd::Client& c) {
  int64_t id = BERTH_TRY(c.lease_grant(cfg_.lease_ttl));
  json value{{"address", cfg_.address.str()}, {"mode", cfg_.mode}};
  BERTH_TRY(c.put(nodes_prefix_ + cfg_.name, value.dump(), id));
  lease_ = id;
  counters_.registrations++;
  spdlog::info("node {} registered at {} (lease {:x}, TTL {} s)", cfg_.name, cfg_.address.str(), id, cfg_.lease_ttl);
  return {};
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
    if (addr) nodes_[name] = *addr;
    else spdlog::warn("etcd key {}: no address; ignored", kv.key);
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
  return all.revision;
}

void Agent::apply(const std::vector<etcd::WatchEvent>& events) {
  std::lock_guard lock(mu_);
  for (const auto& e : events) note(e.kv, e.type == etcd::WatchEvent::Type::kDelete);
  if (!events.empty()) reconcile();
}

// Makes the kernel's berth routes equal to the desired ones: a route per block whose
// owner is another registered node, via that node's address. Called with mu_ held.
void Agent::reconcile() {
  std::map<Prefix, IpAddr> want;
  uint64_t mine = 0;
  std::set<std::string> gone;
  for (const auto& [block, owner] : blocks_) {
    if (owner.node == cfg_.name) {
      ++mine;
      continue;
    }
    auto n = nodes_.find(owner.node);
    if (n == nodes_.end()) gone.insert(owner.node);
    else if (n->second.family() == block.addr.family()) want[block] = n->second;
  }
  const auto now = std::chrono::steady_clock::now();
  for (auto it = gone_since_.begin(); it != gone_since_.end();)
    it = gone.count(it->first) ? std::next(it) : gone_since_.erase(it);
  for (const auto& g : gone) gone_since_.try_emplace(g, now);
  for (auto it = routed_.begin(); it != routed_.end();) {
    auto w = want.find(it->first);
    if (w != want.end() && w->second == it->second) {
      ++it;
      continue;
    }
    if (w == want.end()) {
      if (auto r = netlink::del_route(nl_, it->first, kRouteProtocol); !r) {
        counters_.errors_netlink++;
        spdlog::warn("{}", r.error().what());
        ++it;
        continue;
      }
      spdlog::info("route {} withdrawn", it->first.str());
      counters_.route_withdrawals++;
    }
    it = routed_.erase(it);
  }
  for (const auto& [block, via] : want) {
    if (routed_.count(block)) continue;
    netlink::RouteSpec r;
    r.dst = block;
    r.gw = via;
    r.protocol = kRouteProtocol;
    if (auto ok = netlink::replace_route(nl_, r); !ok) {
      counters_.errors_netlink++;
      spdlog::warn("{}", ok.error().what());
      continue;
    }
    spdlog::info("route {} via {} ({})", block.str(), via.str(), blocks_[block].node);
    counters_.route_adds++;
    routed_[block] = via;
  }
  counters_.routes = routed_.size();
  counters_.blocks_owned = mine;
  counters_.nodes = nodes_.size();
}

Result<> Agent::run() {
  nl_ = BERTH_TRY(netlink::Socket::open());
  // Routes an earlier run made: known, so reconcile() withdraws the stale ones.
  for (const auto& r : BERTH_TRY(netlink::list_routes_by_protocol(nl_, kRouteProtocol)))
    if (r.gw) routed_[r.dst] = *r.gw;
  while (!stopping()) {
    auto r = register_node(*kv_);
    if (r) break;
    counters_.errors_etcd++;
    if (r.error().code == Code::kInvalidConfig) return r;
    spdlog::warn("register node {}: {}; retrying", cfg_.name, r.error().what());
    nap(1s, stop_);
  }
  std::thread keeper([this] { keep_alive(); });
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
  // Leaving: the other nodes withdraw their routes to this one as soon as the key goes.
  if (auto r = kv_->lease_revoke(lease_); !r) spdlog::warn("revoke the node's lease: {}", r.error().what());
  spdlog::info("node {} left", cfg_.name);
  return {};
}

}  // namespace berth::node
