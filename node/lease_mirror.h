// berth-node's mirror of this node's IPAM leases in etcd. berth-ipam leases addresses from
// the node's own blocks without asking etcd (its files under <dataDir>/<network>/ are the
// truth, see core/ipam/disk_store.h); the agent writes what they say to
//   P/ipam/<network>/leases/<address> = {"node": ..., "containerID": ..., "ifname": ...}
// bound to the node's etcd lease, so the cluster sees who holds every address, and a node
// that is gone takes its records with it. A pass costs one stat of the directory when
// nothing changed, and one etcd transaction for whatever did.
#pragma once

#include <map>
#include <string>

#include "core/error.h"
#include "core/etcd/client.h"
#include "core/ip.h"

namespace berth::node {

struct LocalLease {
  std::string container_id, ifname;
  bool operator==(const LocalLease&) const = default;
};

// The leases in berth-ipam's directory `dir` (files named by address, "<id>\r\n<ifname>");
// an absent directory has none. Read without the IPAM lock: lease files are renamed into
// place whole, and a file being removed is simply missed until the next pass.
[[nodiscard]] Result<std::map<IpAddr, LocalLease>> read_local_leases(const std::string& dir);

// Whether a directory mtime seen at `now_ns` can be cached: seeing it again later then means
// the directory did not change (false while it is recent enough to share a clock tick with a
// change made after the stat).
[[nodiscard]] bool mtime_proves_unchanged(int64_t mtime_ns, int64_t now_ns);

struct MirrorCounts {
  uint64_t puts = 0, deletes = 0;
};

class LeaseMirror {
 public:
  LeaseMirror(etcd::Client& client, std::string key_prefix, std::string node, std::string dir)
      : client_(client), prefix_(std::move(key_prefix)), node_(std::move(node)), dir_(std::move(dir)) {}

  // Brings etcd's records of this node's leases to what `dir` holds, under etcd lease
  // `lease` (a new one rewrites every record: the old ones went with the old lease).
  [[nodiscard]] Result<MirrorCounts> sync(int64_t lease);
  [[nodiscard]] size_t size() const { return mirrored_.size(); }

 private:
  etcd::Client& client_;
  std::string prefix_, node_, dir_;
  int64_t lease_ = 0;
  int64_t dir_mtime_ns_ = -1;
  std::map<IpAddr, LocalLease> mirrored_;
};

}  // namespace berth::node
