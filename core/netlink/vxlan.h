// VXLAN overlay verbs over libnl, for berth-node: the vxlan device, and the two kinds of
// static entries that route a remote node's blocks through it without learning or
// multicast (as flannel's and Calico's VXLAN modes do):
//   neighbour  <remote VTEP address> lladdr <remote device MAC>  (ARP/ND, on the device)
//   FDB        <remote device MAC> dst <remote node address>      (where to send the frame)
// Every function acts in the namespace of the Socket it is given.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/ip.h"
#include "core/netlink/link.h"
#include "core/netlink/socket.h"

namespace berth::netlink {

struct VxlanSpec {
  std::string name;
  uint32_t vni = 1;
  IpAddr local;        // outer source address: the node's own
  uint16_t port = 4789;
  uint32_t mtu = 0;    // 0: kernel default (underlay MTU - 50 when it finds the underlay)
};

// Creates the device when missing (learning off, up) and returns it. An existing device
// of that name with another VNI, local address or port is replaced; one of another kind
// is code 7.
[[nodiscard]] Result<LinkInfo> ensure_vxlan(const Socket& s, const VxlanSpec& spec);

struct Neighbour {
  IpAddr dst;  // neighbour: the IP address; FDB: the remote end (NDA_DST)
  Mac mac{};
  bool operator==(const Neighbour&) const = default;
  auto operator<=>(const Neighbour&) const = default;
};

// Permanent neighbour entry dst -> mac on link `index` (added or replaced).
[[nodiscard]] Result<> set_neighbour(const Socket& s, int index, const Neighbour& n);
// Removes it; success when it was not there.
[[nodiscard]] Result<> del_neighbour(const Socket& s, int index, const IpAddr& dst);
// Permanent FDB entry mac -> dst on vxlan link `index` (added or replaced).
[[nodiscard]] Result<> set_fdb(const Socket& s, int index, const Neighbour& n);
// Removes it; success when it was not there.
[[nodiscard]] Result<> del_fdb(const Socket& s, int index, const Neighbour& n);

// The permanent neighbour (fdb=false) or FDB (fdb=true) entries of link `index`, so a
// restarted agent finds what an earlier run made on its own device.
[[nodiscard]] Result<std::vector<Neighbour>> list_neighbours(const Socket& s, int index, bool fdb);

}  // namespace berth::netlink
