#include "node/config.h"

#include "ipam/cluster_config.h"

namespace berth::node {

Result<> validate(const NodeConfig& c) {
  BERTH_TRY(ipam::validate_node_name(c.name, "--node-name"));
  if (c.address.family() == 0)
    return fail(Code::kInvalidConfig, "missing --node-ip", "the address other nodes reach this node at");
  if (c.network.empty()) return fail(Code::kInvalidConfig, "missing --network", "the CNI network name of the pods");
  if (c.mode != "host-gw" && c.mode != "vxlan")
    return fail(Code::kInvalidConfig, "invalid --mode `" + c.mode + "`", "known modes: host-gw, vxlan");
  if (c.vxlan_vni < 1 || c.vxlan_vni > 0xffffff)
    return fail(Code::kInvalidConfig, "invalid --vxlan-vni `" + std::to_string(c.vxlan_vni) + "`",
                "a VXLAN network identifier is 1 to 16777215");
  if (c.vxlan_port == 0) return fail(Code::kInvalidConfig, "invalid --vxlan-port `0`", "must be 1 to 65535");
  if (c.lease_ttl < 1 || c.lease_ttl > 3600)
    return fail(Code::kInvalidConfig, "invalid --lease-ttl `" + std::to_string(c.lease_ttl) + "`",
                "must be 1 to 3600 seconds");
  if (c.dead_node_grace < 1)
    return fail(Code::kInvalidConfig, "invalid --dead-node-grace `" + std::to_string(c.dead_node_grace) + "`",
                "must be at least 1 second");
  if (c.empty_block_grace < 0)
    return fail(Code::kInvalidConfig, "invalid --empty-block-grace `" + std::to_string(c.empty_block_grace) + "`",
                "seconds, 0 to keep empty blocks");
  if (c.etcd.endpoints.empty())
    return fail(Code::kInvalidConfig, "missing --etcd-endpoints", "etcd's client URLs, comma-separated");
  return {};
}

}  // namespace berth::node
