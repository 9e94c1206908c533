// Helpers of the cluster IPAM fault tests: berth-ipam run with the etcd store as a
// runtime runs it, many at once, and what a user checks afterwards: the results, each
// node's lease files and block records, and the block claims in etcd.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/ip.h"
#include "tests/netns/etcd_server.h"
#include "tests/netns/fixture.h"

namespace berth::test::faults {

inline const std::string kNet = "podnet";
inline const std::string kBlocks = "/berth/ipam/" + kNet + "/blocks/";

// A simulated node: its name in the claims and its own dataDir (its local state).
struct Node {
  std::string name;
  std::string data_dir;
};
Node make_node(const std::string& name);

// The `ipam` object of the etcd store; `store_extra` is merged into `store`.
nlohmann::json ipam_conf(const Node& n, const std::vector<std::string>& endpoints,
                         const std::string& cidr, int block,
                         nlohmann::json store_extra = nlohmann::json::object());
std::string conf(const nlohmann::json& ipam);

// berth-ipam `cmd` for container `id` (ifname eth0).
PluginRun ipam(const std::string& cmd, const std::string& id, const std::string& config);
// The same for every id at once, one process each, as a runtime starting many pods does;
// results in the order of `ids`.
std::vector<PluginRun> ipam_parallel(const std::string& cmd, const std::vector<std::string>& ids,
                                     const std::string& config);
// ids "<prefix>0" .. "<prefix>n-1".
std::vector<std::string> ids(const std::string& prefix, int n);

std::string addr(const PluginRun& r);  // the first address without its length, "" if none
int code(const PluginRun& r);          // the CNI error code, 0 if none
std::string msg(const PluginRun& r);

// A failed run as the CNI spec wants it: non-zero exit and an error JSON
// {cniVersion, code, msg} on stdout.
bool is_cni_error(const PluginRun& r);

// The node's lease files: address -> container ID.
std::map<std::string, std::string> leases(const Node& n);
// The node's attachment index entries ("<id>@<ifname>").
std::vector<std::string> index_entries(const Node& n);
// The blocks the node has recorded as its own.
std::vector<Prefix> recorded_blocks(const Node& n);

struct Claim {
  std::string key;
  Prefix cidr;
  std::string node;
};
// Every block claim in etcd (etcdctl get --prefix).
std::vector<Claim> claims(const EtcdCluster& etcd);

// What must hold whatever happened (CHECKs each, so a failure names what broke):
//   claims in etcd are well formed and pairwise disjoint;
//   every block a node recorded is claimed in etcd by that node;
//   every lease of a node lies in a block it recorded, and no address is leased twice
//   across the nodes.
void check_consistent(const EtcdCluster& etcd, const std::vector<Node>& nodes);

}  // namespace berth::test::faults
