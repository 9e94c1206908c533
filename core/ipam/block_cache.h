// The blocks this node owns, as recorded on its disk: <dataDir>/<network>/blocks/, one
// file per block named by block_name() and holding the claim's etcd revision. An ADD
// reads it instead of asking etcd. A claim is written to etcd first and recorded here
// second, so a crash in between leaves a claim etcd knows and this node does not: the
// next claim finds it and adopts it (BlockRegistry::claim). Callers hold the network's
// lease store lock.
#pragma once

#include <vector>

#include "core/error.h"
#include "core/ipam/blocks.h"
#include "core/ipam/dir.h"

namespace berth::ipam {

class BlockCache {
 public:
  // Opens <network_dir>/blocks (made with `create`; otherwise an empty cache when absent).
  [[nodiscard]] static Result<BlockCache> open(const std::string& network_dir, bool create);

  // The recorded blocks, sorted; unreadable entries are skipped.
  [[nodiscard]] Result<std::vector<BlockClaim>> load(const std::string& node) const;
  [[nodiscard]] Result<> record(const BlockClaim& c) const;
  [[nodiscard]] Result<> forget(const Prefix& block) const;

 private:
  explicit BlockCache(Dir dir) : dir_(std::move(dir)) {}
  Dir dir_;  // invalid: nothing recorded
};

}  // namespace berth::ipam
