// What berth-node programs in the kernel for the cluster state it follows, and the
// programming itself. plan() is pure (unit-tested): blocks and nodes in, desired routes,
// neighbour and FDB entries out. Dataplane makes the kernel equal to a plan, adding and
// withdrawing only the difference, and finds what an earlier run left (routes by their
// protocol, entries on its own vxlan device) so a restart withdraws what went stale.
//
// Modes, per pair of nodes:
//   host-gw  <block> via <owner's address>                           (one L2 segment)
//   vxlan    <block> via <block's first address> dev berth.vxlan onlink, with the
//            neighbour entry <block's first address> -> <owner's VTEP MAC> and the FDB
//            entry <owner's VTEP MAC> dst <owner's address>          (any L3 path)
// A pair uses vxlan when both ends run it (the owner advertises its VTEP MAC), host-gw
// otherwise. A vxlan node also puts each of its own IPv4 blocks' first address on its
// device as a /32 (never a pod's: pods start at the third), so traffic it originates
// towards remote pods has a source the other nodes route back through the overlay.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>

#include "core/error.h"
#include "core/ip.h"
#include "core/netlink/socket.h"
#include "core/netlink/vxlan.h"

namespace berth::node {

inline constexpr uint8_t kRouteProtocol = 245;  // "berth" in the routes' rtm_protocol
inline constexpr const char* kVxlanDevice = "berth.vxlan";

struct PeerNode {
  IpAddr address;
  std::optional<netlink::Mac> vtep_mac;  // set when the node runs vxlan
};

struct Hop {
  IpAddr via;
  bool overlay = false;  // through the vxlan device, onlink
  bool operator==(const Hop&) const = default;
};

struct Plan {
  std::map<Prefix, Hop> routes;
  std::set<netlink::Neighbour> neighbours, fdb;
  std::set<Prefix> vtep_addresses;  // on our own vxlan device
  std::set<std::string> gone_owners;  // owners of blocks that are not registered
  uint64_t blocks_owned = 0;
};

// `overlay`: this node runs vxlan. `blocks`: claimed block -> owner's name.
[[nodiscard]] Plan plan(const std::string& self, bool overlay, const std::map<Prefix, std::string>& blocks,
                        const std::map<std::string, PeerNode>& nodes);

struct DataplaneCounts {
  uint64_t route_adds = 0, route_withdrawals = 0, errors = 0;
};

class Dataplane {
 public:
  // Opens the socket; in vxlan mode creates (or checks) the device. Then reads what an
  // earlier run left.
  [[nodiscard]] static Result<Dataplane> open(bool overlay, const netlink::VxlanSpec& vxlan);

  // Makes the kernel equal to `p`; a failed step is logged, counted and retried at the next
  // apply (it stays out of what is known as programmed).
  DataplaneCounts apply(const Plan& p);

  [[nodiscard]] size_t routes() const { return routes_.size(); }
  // This node's VTEP MAC in vxlan mode.
  [[nodiscard]] std::optional<netlink::Mac> vtep_mac() const { return mac_; }

 private:
  netlink::Socket nl_;
  int vx_index_ = 0;
  std::optional<netlink::Mac> mac_;
  std::map<Prefix, Hop> routes_;
  std::set<netlink::Neighbour> neighbours_, fdb_;
  std::set<Prefix> vtep_addresses_;
};

}  // namespace berth::node
