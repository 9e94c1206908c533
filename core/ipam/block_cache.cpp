#include "core/ipam/block_cache.h"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace berth::ipam {

using nlohmann::json;

Result<BlockCache> BlockCache::open(const std::string& network_dir, bool create) {
  auto net = BERTH_TRY(Dir::open(network_dir, create));
  if (!net.valid()) return BlockCache(Dir());
  return BlockCache(BERTH_TRY(net.sub("blocks", create)));
}

Result<std::vector<BlockClaim>> BlockCache::load(const std::string& node) const {
  std::vector<BlockClaim> out;
  if (!dir_.valid()) return out;
  for (const auto& name : BERTH_TRY(dir_.list())) {
    auto block = parse_block_name(name);
    if (!block) continue;  // a temporary file of write_atomic, or debris
    auto text = BERTH_TRY(dir_.read(name));
    if (!text) continue;
    auto j = json::parse(*text, nullptr, false);
    int64_t rev = j.is_object() ? j.value("revision", int64_t{0}) : 0;
    out.push_back(BlockClaim{*block, node, rev});
  }
  std::sort(out.begin(), out.end(), [](const BlockClaim& a, const BlockClaim& b) { return a.cidr < b.cidr; });
  return out;
}

Result<> BlockCache::record(const BlockClaim& c) const {
  if (!dir_.valid()) return fail(Code::kInternal, "block cache opened without create");
  return dir_.write_atomic(block_name(c.cidr), json{{"cidr", c.cidr.str()}, {"revision", c.revision}}.dump());
}

Result<> BlockCache::forget(const Prefix& block) const {
  if (!dir_.valid()) return {};
  BERTH_TRY(dir_.remove(block_name(block)));
  return {};
}

}  // namespace berth::ipam
