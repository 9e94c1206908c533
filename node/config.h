// berth-node's settings: flags, or the same keys in a JSON file (--config), flags winning.
//   {"nodeName": "node1", "nodeIP": "10.0.0.11", "network": "pods", "mode": "host-gw",
//    "vxlanVNI": 1, "vxlanPort": 4789, "clusterCIDR": "10.244.0.0/16" (or a list),
//    "ipamDataDir": "/var/lib/cni/networks", "emptyBlockGrace": 600,
//    "leaseTTL": 10, "deadNodeGrace": 300, "metricsAddress": "127.0.0.1:9402",
//    "etcd": {"endpoints": [...], "prefix": "/berth", "tls": {...}, "timeoutMs": 2000}}
#pragma once

#include <string>
#include <vector>

#include "core/error.h"
#include "core/etcd/config.h"
#include "core/ip.h"

namespace berth::node {

struct NodeConfig {
  std::string name;            // as in berth-ipam's nodeName
  IpAddr address;              // where the other nodes send this node's pods' traffic
  std::string network;         // the CNI network whose blocks are routed
  std::string mode = "host-gw";  // or "vxlan" (dataplane.h)
  uint32_t vxlan_vni = 1;
  uint16_t vxlan_port = 4789;   // IANA's VXLAN port (Linux's own default is 8472)
  int lease_ttl = 10;          // seconds; a node silent for this long is gone
  int dead_node_grace = 300;   // seconds a gone node keeps its blocks before they are freed
  int empty_block_grace = 600; // seconds an empty block stays the node's (0: forever; the last one always)
  std::string metrics_address; // host:port of /metrics; empty: none
  std::string ipam_data_dir = "/var/lib/cni/networks";  // berth-ipam's dataDir on this node
  std::vector<Prefix> cluster_cidrs;  // masquerade what leaves them (masquerade.h); empty: none
  etcd::Config etcd;
};

// Validates a finished config (code 7 naming the setting).
[[nodiscard]] Result<> validate(const NodeConfig& c);

}  // namespace berth::node
