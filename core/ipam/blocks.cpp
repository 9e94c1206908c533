#include "core/ipam/blocks.h"

#include <algorithm>
#include <set>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "core/failpoint.h"

namespace berth::ipam {

using nlohmann::json;

Result<BlockPlan> BlockPlan::make(const Prefix& cidr, int block_len, const std::string& where) {
  const int bits = cidr.addr.bits();
  if (!cidr.is_network())
    return fail(Code::kInvalidConfig, "invalid " + where + " `" + cidr.str() + "`",
                "has host bits set; the network is " + Prefix{cidr.network(), cidr.len}.str());
  const std::string size = "ipam.blockSize `" + std::to_string(block_len) + "`";
  if (block_len < cidr.len)
    return fail(Code::kInvalidConfig, "invalid " + size,
                "the cluster CIDR " + cidr.str() + " is smaller than one block: give a blockSize of at least " +
                    std::to_string(cidr.len));
  if (block_len > bits - 2)
    return fail(Code::kInvalidConfig, "invalid " + size,
                "a block needs at least 4 addresses: at most " + std::to_string(bits - 2) + " for " +
                    (bits == 32 ? "IPv4" : "IPv6"));
  return BlockPlan(Prefix{cidr.network(), cidr.len}, block_len);
}

Prefix BlockPlan::block(uint64_t i) const {
  // Writes i into the bits [cidr.len, block_len) of the network address, low bit last.
  std::array<uint8_t, 16> b{};
  std::copy(cidr_.addr.data(), cidr_.addr.data() + cidr_.addr.size(), b.begin());
  for (int bit = block_len_ - 1; bit >= cidr_.len; --bit, i >>= 1)
    if (i & 1) b[bit / 8] |= static_cast<uint8_t>(0x80 >> (bit % 8));
  return Prefix{IpAddr::from_bytes(cidr_.addr.family(), b.data()), block_len_};
}

bool BlockPlan::is_block(const Prefix& p) const {
  return p.len == block_len_ && p.is_network() && cidr_.contains(p.addr);
}

std::string block_name(const Prefix& block) { return block.addr.str() + "-" + std::to_string(block.len); }

std::optional<Prefix> parse_block_name(std::string_view name) {
  auto dash = name.rfind('-');
  if (dash == std::string_view::npos) return std::nullopt;
  std::string text(name);
  text[dash] = '/';
  auto p = Prefix::parse(text);
  if (!p || !p->is_network()) return std::nullopt;
  return p;
}

std::string claim_value(const Prefix& block, const std::string& node) {
  return json{{"node", node}, {"cidr", block.str()}}.dump();
}

std::optional<BlockClaim> parse_claim(const etcd::KeyValue& kv) {
  auto j = json::parse(kv.value, nullptr, false);
  if (!j.is_object() || !j.contains("node") || !j["node"].is_string() || !j.contains("cidr") ||
      !j["cidr"].is_string())
    return std::nullopt;
  auto cidr = Prefix::parse(j["cidr"].get<std::string>());
  if (!cidr) return std::nullopt;
  return BlockClaim{*cidr, j["node"].get<std::string>(), kv.mod_revision};
}

std::string BlockRegistry::key_prefix() const {
  return client_.config().prefix + "/ipam/" + network_ + "/blocks/";
}

Result<std::vector<BlockClaim>> BlockRegistry::list() {
  auto r = BERTH_TRY(client_.range_prefix(key_prefix()));
  std::vector<BlockClaim> out;
  for (const auto& kv : r.kvs) {
    auto c = parse_claim(kv);
    if (!c) {
      spdlog::warn("etcd key {} is not a block claim; ignored", kv.key);
      continue;
    }
    out.push_back(*c);
  }
  return out;
}

Result<BlockClaim> BlockRegistry::claim(const BlockPlan& plan, const std::string& node,
                                        const std::vector<Prefix>& known) {
  auto claims = BERTH_TRY(list());
  std::set<Prefix> taken;
  for (const auto& c : claims) {
    if (!plan.is_block(c.cidr)) continue;  // another plan's block (the CIDR was changed)
    if (c.node == node && std::find(known.begin(), known.end(), c.cidr) == known.end()) {
      spdlog::info("block {} is this node's in etcd but not recorded here: adopted", c.cidr.str());
      return c;
    }
    taken.insert(c.cidr);
  }
  // Blocks of an older plan that overlap this one are taken too.
  auto overlaps_taken = [&](const Prefix& b) {
    for (const auto& c : claims)
      if (c.cidr.overlaps(b)) return true;
    return false;
  };
  for (uint64_t i = 0; i < plan.count(); ++i) {
    Prefix b = plan.block(i);
    if (taken.count(b) || overlaps_taken(b)) continue;
    etcd::Txn t;
    t.compare.push_back(etcd::Compare::absent(key_of(b)));
    t.success.push_back(etcd::Op::put(key_of(b), claim_value(b, node)));
    t.failure.push_back(etcd::Op::get(key_of(b)));
    auto r = BERTH_TRY(client_.txn(t));
    if (r.succeeded) {
      failpoint("ipam.block.claimed");
      spdlog::info("claimed block {} for node {}", b.str(), node);
      return BlockClaim{b, node, r.revision};
    }
    // Lost the race, or an earlier attempt of this very call committed before its
    // answer was lost: then the claim is ours.
    if (!r.kvs.empty())
      if (auto c = parse_claim(r.kvs.front()); c && c->node == node) return *c;
  }
  return fail(Code::kRangeFull, "cluster CIDR " + plan.cidr().str() + " has no free block",
              "all " + std::to_string(plan.count()) + " /" + std::to_string(plan.block_len()) +
                  " blocks are claimed by nodes; free some (remove dead nodes) or use a larger clusterCIDR");
}

Result<bool> BlockRegistry::release(const Prefix& block, const std::string& node, int64_t revision) {
  etcd::Txn t;
  t.compare.push_back(etcd::Compare::unchanged(key_of(block), revision));
  t.compare.push_back({key_of(block), etcd::Compare::Target::kValue, etcd::Compare::Result::kEqual, 0,
                       claim_value(block, node)});
  t.success.push_back(etcd::Op::del(key_of(block)));
  auto r = BERTH_TRY(client_.txn(t));
  return r.succeeded;
}

}  // namespace berth::ipam
