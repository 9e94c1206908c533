// The cluster store's part of the `ipam` object:
//   "store": {"type": "etcd", ...}   core/etcd/config.h; absent or {"type": "disk"}: the
//                                    local file store, as before
//   "clusterCIDR": "10.244.0.0/16"   cut into blocks that nodes claim
//   "blockSize": 26                  prefix length of a block (default 26, IPv6 122)
//   "nodeName": "node1"              this node's name in the claims (default: hostname)
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/etcd/config.h"
#include "core/ipam/blocks.h"

namespace berth::ipam {

struct ClusterConfig {
  etcd::Config etcd;
  BlockPlan plan;
  std::string node;
};

// nullopt for the local store. Code 7 naming the key for an unknown store type, a
// missing or invalid clusterCIDR, blockSize or nodeName, or ranges given beside the
// cluster store (its blocks are the ranges).
[[nodiscard]] Result<std::optional<ClusterConfig>> parse_cluster(const nlohmann::json& request,
                                                                 const nlohmann::json& ipam);

// A node name: 1 to 253 of [A-Za-z0-9._-]. Code 7 naming `key` otherwise.
[[nodiscard]] Result<> validate_node_name(const std::string& name, const std::string& key);

}  // namespace berth::ipam
