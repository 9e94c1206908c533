// berth-ipam's commands with the cluster store: addresses come from the blocks this node
// owns (block_cache.h), leased in the node's local store exactly as with the disk store;
// etcd is asked only when no owned block has room (to claim one) and by STATUS when
// nothing local can serve an ADD. DEL and GC need no etcd at all: they use the local
// store like the disk store does (commands.cpp).
#pragma once

#include <string>
#include <vector>

#include "core/cni/types.h"
#include "core/error.h"
#include "core/ipam/store.h"
#include "ipam/cluster_config.h"

namespace berth::ipam {

// ADD: as allocate() (allocator.h) over the node's blocks, claiming a block when they are
// full. Code 103 when the cluster CIDR has no free block, 11 when a claim is needed and
// etcd cannot be reached.
[[nodiscard]] Result<std::vector<cni::IpConfig>> cluster_allocate(const ClusterConfig& c,
                                                                  const std::string& data_dir,
                                                                  const std::string& network,
                                                                  const Attachment& a,
                                                                  const std::vector<IpAddr>& requested);

// CHECK: code 108 unless `a` holds an address in one of the node's blocks.
[[nodiscard]] Result<> cluster_check(const ClusterConfig& c, const std::string& data_dir,
                                     const std::string& network, const Attachment& a);

// STATUS: ready when an owned block has room, or etcd answers and has a free block;
// otherwise code 50 saying which.
[[nodiscard]] Result<> cluster_status(const ClusterConfig& c, const std::string& data_dir,
                                      const std::string& network);

}  // namespace berth::ipam
