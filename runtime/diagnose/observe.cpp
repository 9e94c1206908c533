// Reads what the kernel shows of an endpoint's link, once, so that each hop judges the
// same snapshot. The container's side is read through a netlink socket opened inside its
// namespace; nothing here changes anything.
#include "core/netlink/addr_route.h"
#include "core/netlink/socket.h"
#include "core/netns.h"
#include "runtime/diagnose/path.h"

namespace berth::runtime::diagnose {

namespace {

Result<> read_container_side(const Endpoint& e, Observed& o) {
  auto ns = BERTH_TRY(NetNs::open(e.netns));
  auto sock = BERTH_TRY(netlink::Socket::open_in(ns));
  o.ctr_link = BERTH_TRY(netlink::get_link(sock, e.att.ifname));
  if (o.ctr_link) o.ctr_addrs = BERTH_TRY(netlink::list_addresses(sock, o.ctr_link->index));
  return {};
}

Result<> read_host_side(const Endpoint& e, Observed& o) {
  auto sock = BERTH_TRY(netlink::Socket::open());
  // The veth's container end names its peer's ifindex in the host (IFLA_LINK).
  if (o.ctr_link && o.ctr_link->peer_index > 0)
    o.host_veth = BERTH_TRY(netlink::get_link(sock, o.ctr_link->peer_index));
  o.bridge = BERTH_TRY(netlink::get_link(sock, e.net.bridge));
  if (o.bridge) o.bridge_addrs = BERTH_TRY(netlink::list_addresses(sock, o.bridge->index));
  return {};
}

}  // namespace

std::optional<IpAddr> Observed::current_addr(const Endpoint& e, int family) const {
  std::optional<IpAddr> first;
  for (const auto& p : ctr_addrs) {
    if (p.addr.family() != family) continue;
    if (e.addr && p.addr == *e.addr) return p.addr;
    if (!first) first = p.addr;
  }
  return first;
}

Observed observe(const Endpoint& e) {
  Observed o;
  if (!e.running) return o;
  if (auto r = read_container_side(e, o); !r) o.error = r.error().what();
  if (auto r = read_host_side(e, o); !r && o.error.empty()) o.error = r.error().what();
  return o;
}

}  // namespace berth::runtime::diagnose
