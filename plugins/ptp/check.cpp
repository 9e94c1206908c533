// CHECK: both ends exist and are up, the container end has prevResult's addresses and
// the on-link route to the peer, the peer end has the gateway address and the route
// back; IPAM still holds the lease.
#include <algorithm>

#include "core/cni/delegate.h"
#include "core/netlink/addr_route.h"
#include "core/netlink/link.h"
#include "core/netns.h"
#include "plugins/ptp/ptp.h"

namespace berth::ptp {
namespace {

std::unexpected<Error> mismatch(const std::string& what) {
  return fail(Code::kCheckFailed, "attachment check failed", what);
}

bool has_route(const std::vector<netlink::RouteSpec>& routes, const IpAddr& dst) {
  return std::any_of(routes.begin(), routes.end(),
                     [&](const netlink::RouteSpec& r) { return r.dst.len == dst.bits() && r.dst.addr == dst; });
}

}  // namespace

Result<> cmd_check(const cni::Request& req) {
  auto cfg = BERTH_TRY(parse_config(req));
  if (!cfg.prev_result) return fail(Code::kInvalidConfig, "required prevResult missing");
  const auto& prev = *cfg.prev_result;
  BERTH_TRY(cni::delegate_run(req, cfg.ipam_type, "CHECK"));

  auto ns = BERTH_TRY(NetNs::open(req.env.netns));
  auto ctr = BERTH_TRY(netlink::Socket::open_in(ns));
  auto link = BERTH_TRY(netlink::get_link(ctr, req.env.ifname));
  if (!link) return mismatch("interface `" + req.env.ifname + "` is missing in the container");
  if (link->kind != "veth") return mismatch("interface `" + req.env.ifname + "` is not a veth");
  if (!link->up) return mismatch("interface `" + req.env.ifname + "` is down");
  for (const auto& i : prev.interfaces)
    if (i.name == req.env.ifname && i.sandbox == req.env.netns && !i.mac.empty() && i.mac != link->mac)
      return mismatch("interface `" + i.name + "` has MAC " + link->mac + ", prevResult says " + i.mac);

  std::optional<netlink::Socket> peer;
  if (cfg.peer_netns.empty()) {
    peer = BERTH_TRY(netlink::Socket::open());
  } else {
    auto pns = NetNs::open(cfg.peer_netns);
    if (!pns) return mismatch("peer namespace `" + cfg.peer_netns + "`: " + pns.error().what());
    peer = BERTH_TRY(netlink::Socket::open_in(*pns));
  }
  auto peer_link = BERTH_TRY(netlink::get_link(*peer, cfg.peer_ifname));
  if (!peer_link) return mismatch("peer end `" + cfg.peer_ifname + "` is missing");
  if (!peer_link->up) return mismatch("peer end `" + cfg.peer_ifname + "` is down");

  auto addrs = BERTH_TRY(netlink::list_addresses(ctr, link->index));
  auto routes = BERTH_TRY(netlink::list_routes(ctr, link->index));
  auto peer_addrs = BERTH_TRY(netlink::list_addresses(*peer, peer_link->index, true));
  auto peer_routes = BERTH_TRY(netlink::list_routes(*peer, peer_link->index));
  for (const auto& ip : prev.ips) {
    if (std::find(addrs.begin(), addrs.end(), ip.address) == addrs.end())
      return mismatch("address `" + ip.address.str() + "` is missing on `" + req.env.ifname + "`");
    if (!has_route(peer_routes, ip.address.addr))
      return mismatch("route to `" + ip.address.addr.str() + "` is missing on the peer end");
    if (!ip.gateway) continue;
    if (!has_route(routes, *ip.gateway))
      return mismatch("route to the peer `" + ip.gateway->str() + "` is missing in the container");
    Prefix gw{*ip.gateway, ip.gateway->bits()};
    if (std::find(peer_addrs.begin(), peer_addrs.end(), gw) == peer_addrs.end())
      return mismatch("address `" + gw.str() + "` is missing on the peer end `" + cfg.peer_ifname + "`");
  }
  for (const auto& r : prev.routes) {
    bool found = std::any_of(routes.begin(), routes.end(), [&](const netlink::RouteSpec& have) {
      return have.dst.network() == r.dst.network() && have.dst.len == r.dst.len && (!r.gw || have.gw == r.gw);
    });
    if (!found) return mismatch("route `" + r.dst.str() + "` is missing in the container");
  }
  return {};
}

}  // namespace berth::ptp
