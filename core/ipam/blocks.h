// Block affinity (as Calico does it): a cluster CIDR is cut into equal blocks; a node
// claims a free block with one etcd transaction (create-if-absent on the block's key, so
// two nodes can never own one block) and then hands out the block's addresses on its own,
// with no round trip, until the block is full.
//
// etcd keys (P = the store's prefix, N = the CNI network name):
//   P/ipam/N/blocks/10.244.1.0-26   {"node": "node1", "cidr": "10.244.1.0/26"}
// Each node also keeps the blocks it owns in <dataDir>/N/blocks/ (block_cache.h), so that
// an ADD in a block with room needs no etcd at all.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/etcd/client.h"
#include "core/ip.h"

namespace berth::ipam {

// The blocks of one cluster CIDR.
class BlockPlan {
 public:
  // Code 7 (naming `where`) unless `cidr` is a network address, `block_len` is at least
  // its length and leaves a block at least 4 addresses (IPv4 /30, IPv6 /126).
  [[nodiscard]] static Result<BlockPlan> make(const Prefix& cidr, int block_len, const std::string& where);

  [[nodiscard]] const Prefix& cidr() const { return cidr_; }
  [[nodiscard]] int block_len() const { return block_len_; }
  // How many blocks there are; an IPv6 plan with more than 2^63 uses the first 2^63.
  [[nodiscard]] uint64_t count() const { return uint64_t{1} << std::min(63, block_len_ - cidr_.len); }
  // Block number `i` (< count()), in address order.
  [[nodiscard]] Prefix block(uint64_t i) const;
  // Whether `p` is one of the blocks.
  [[nodiscard]] bool is_block(const Prefix& p) const;

 private:
  BlockPlan(Prefix cidr, int block_len) : cidr_(cidr), block_len_(block_len) {}
  Prefix cidr_;
  int block_len_;
};

// "10.244.1.0/26" <-> "10.244.1.0-26": a block as one key or file name component.
[[nodiscard]] std::string block_name(const Prefix& block);
[[nodiscard]] std::optional<Prefix> parse_block_name(std::string_view name);

struct BlockClaim {
  Prefix cidr;
  std::string node;
  int64_t revision = 0;  // mod_revision of the claim in etcd
};

// Claims of one network in etcd.
class BlockRegistry {
 public:
  BlockRegistry(etcd::Client& client, std::string network)
      : client_(client), network_(std::move(network)) {}

  [[nodiscard]] std::string key_prefix() const;  // P/ipam/N/blocks/
  [[nodiscard]] std::string key_of(const Prefix& block) const { return key_prefix() + block_name(block); }

  // Every claim (one round trip). Entries that do not parse are skipped with a warning.
  [[nodiscard]] Result<std::vector<BlockClaim>> list();

  // A block for `node`: one that etcd says `node` owns but is not in `known` (a claim
  // whose local record was lost), else the first free block of `plan`, claimed with a
  // create-if-absent transaction; a block taken meanwhile by another node is skipped.
  // Code 103 when every block is claimed; code 11 when etcd cannot be reached.
  [[nodiscard]] Result<BlockClaim> claim(const BlockPlan& plan, const std::string& node,
                                         const std::vector<Prefix>& known);

  // Deletes `block`'s claim if `node` still holds it as written at `revision`. false when
  // it has changed (someone else's now) or is gone.
  [[nodiscard]] Result<bool> release(const Prefix& block, const std::string& node, int64_t revision);

 private:
  etcd::Client& client_;
  std::string network_;
};

// The value stored under a block's key.
[[nodiscard]] std::string claim_value(const Prefix& block, const std::string& node);
[[nodiscard]] std::optional<BlockClaim> parse_claim(const etcd::KeyValue& kv);

}  // namespace berth::ipam
