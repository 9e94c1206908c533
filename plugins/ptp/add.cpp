// ADD: IPAM first, then the veth pair (the container end born inside the container, the
// peer end on the host or in `peerNetns`), then addresses and routes on both ends. The
// container's address gets no connected route: the whole subnet goes through the peer,
// which is the only thing at the other end of the wire. Each step arms a rollback.
#include <spdlog/spdlog.h>

#include "core/cni/delegate.h"
#include "core/failpoint.h"
#include "core/netlink/addr_extra.h"
#include "core/netlink/addr_route.h"
#include "core/netlink/link.h"
#include "core/netns.h"
#include "core/scope_exit.h"
#include "core/sysctl.h"
#include "plugins/ptp/ptp.h"

namespace berth::ptp {
namespace {

using netlink::Socket;

Prefix host_prefix(const IpAddr& a) { return Prefix{a, a.bits()}; }

// Every address needs a peer-side address: IPAM's gateway, else the subnet's first host.
Result<> fill_gateways(cni::CniResult& ipam) {
  for (auto& ip : ipam.ips) {
    if (!ip.gateway) {
      if (ip.address.len >= ip.address.addr.bits() - 1)
        return fail(Code::kInvalidConfig, "no peer address for `" + ip.address.str() + "`",
                    "IPAM gave no gateway and the prefix has no other host; give the range a `gateway`");
      ip.gateway = ip.address.network().next();
    }
    if (*ip.gateway == ip.address.addr)
      return fail(Code::kInvalidConfig, "gateway `" + ip.gateway->str() + "` is the container's own address");
  }
  return {};
}

// The container end's only on-link neighbours are the gateways (/32 each; the subnet goes
// through them), so a route's gw must be one of them. The kernel would refuse any other
// at the route step, after the pair exists.
Result<> check_route_gateways(const cni::CniResult& ipam) {
  for (size_t i = 0; i < ipam.routes.size(); ++i) {
    const auto& gw = ipam.routes[i].gw;
    if (!gw) continue;
    bool on_link = false;
    for (const auto& ip : ipam.ips) on_link |= ip.gateway == gw;
    if (!on_link)
      return fail(Code::kInvalidConfig,
                  "invalid routes[" + std::to_string(i) + "].gw `" + gw->str() + "` from the IPAM plugin",
                  "berth-ptp's container reaches only its gateways on the link; route via one of them");
  }
  return {};
}

// Container side: lo and the link up, addresses without connected routes, the gateway
// as an on-link /32, the rest of the subnet and IPAM's routes through it.
Result<> configure_container(const Socket& ctr, int index, const cni::CniResult& ipam) {
  BERTH_TRY(netlink::set_up(ctr, 1));  // lo is always ifindex 1 in a namespace
  BERTH_TRY(netlink::set_up(ctr, index));
  for (const auto& ip : ipam.ips) {
    BERTH_TRY(netlink::add_address_no_route(ctr, index, ip.address));
    BERTH_TRY(netlink::add_route(ctr, {host_prefix(*ip.gateway), std::nullopt, index}));
    if (ip.address.len < ip.address.addr.bits())
      BERTH_TRY(netlink::add_route(ctr, {Prefix{ip.address.network(), ip.address.len}, ip.gateway, index}));
  }
  for (const auto& r : ipam.routes) {
    netlink::RouteSpec spec{r.dst, r.gw, index, r.priority, r.mtu, r.advmss, r.table, r.scope};
    for (const auto& ip : ipam.ips)  // a route without gw goes via its family's gateway
      if (!spec.gw && ip.address.addr.family() == r.dst.addr.family()) spec.gw = ip.gateway;
    BERTH_TRY(netlink::add_route(ctr, spec));
  }
  return {};
}

// Peer side: the gateway address as a host address and a host route to the container.
Result<> configure_peer(const Socket& peer, int index, const cni::CniResult& ipam) {
  for (const auto& ip : ipam.ips) {
    BERTH_TRY(netlink::add_address(peer, index, host_prefix(*ip.gateway)));
    BERTH_TRY(netlink::add_route(peer, {host_prefix(ip.address.addr), std::nullopt, index}));
  }
  return {};
}

}  // namespace

Result<cni::CniResult> cmd_add(const cni::Request& req) {
  auto cfg = BERTH_TRY(parse_config(req));
  auto ns = BERTH_TRY(NetNs::open(req.env.netns));
  auto self = BERTH_TRY(NetNs::current());
  if (ns.same_as(self))
    return fail(Code::kNetns, "invalid netns", "CNI_NETNS `" + req.env.netns + "` is the host's own network namespace");
  std::optional<NetNs> peer_ns;
  if (!cfg.peer_netns.empty()) {
    auto p = NetNs::open(cfg.peer_netns);
    if (!p) return std::unexpected(p.error().wrap("peerNetns"));
    if (p->same_as(ns))
      return fail(Code::kInvalidConfig, "invalid network config", "`peerNetns` is the container's own namespace");
    peer_ns = std::move(*p);
  }
  auto ctr = BERTH_TRY(Socket::open_in(ns));
  if (BERTH_TRY(netlink::get_link(ctr, req.env.ifname)))
    return fail(Code::kInterfaceExists, "interface `" + req.env.ifname + "` already exists in the container");
  auto peer = BERTH_TRY(peer_ns ? Socket::open_in(*peer_ns) : Socket::open());

  // 1. Addresses from IPAM; released again if anything below fails.
  auto ipam = BERTH_TRY(cni::delegate_add(req, cfg.ipam_type));
  ScopeExit undo_ipam([&] { (void)cni::delegate_run(req, cfg.ipam_type, "DEL"); });
  failpoint("ptp.add.addresses_leased");
  if (ipam.ips.empty()) return fail(Code::kInvalidConfig, "IPAM plugin returned missing IP config");
  BERTH_TRY(fill_gateways(ipam));
  BERTH_TRY(check_route_gateways(ipam));

  // 2. The pair: created from the peer side, the container end born in the container.
  BERTH_TRY(netlink::create_veth(peer, {cfg.peer_ifname, req.env.ifname, ns.fd(), std::nullopt, cfg.mtu, 0}));
  ScopeExit undo_veth([&] { (void)netlink::delete_link(peer, cfg.peer_ifname); });
  failpoint("ptp.add.veth_created");
  auto peer_link = BERTH_TRY(netlink::get_link(peer, cfg.peer_ifname));
  auto ctr_link = BERTH_TRY(netlink::get_link(ctr, req.env.ifname));
  if (!peer_link || !ctr_link) return fail(Code::kNetlink, "veth `" + cfg.peer_ifname + "` vanished");

  // 3. Both ends; forwarding when the peer end is the host (it routes for the container).
  BERTH_TRY(configure_container(ctr, ctr_link->index, ipam));
  failpoint("ptp.add.container_configured");
  BERTH_TRY(configure_peer(peer, peer_link->index, ipam));
  failpoint("ptp.add.peer_configured");
  if (!peer_ns)
    for (const auto& ip : ipam.ips)
      BERTH_TRY(sysctl_set(ip.address.addr.is_v4() ? "net/ipv4/ip_forward" : "net/ipv6/conf/all/forwarding", "1"));

  // 4. The result: peer end, container end; addresses on interface 1.
  cni::CniResult r;
  cni::Interface pi{cfg.peer_ifname, peer_link->mac};
  pi.sandbox = cfg.peer_netns;  // empty on the host
  r.interfaces.push_back(pi);
  cni::Interface ci{req.env.ifname, ctr_link->mac};
  ci.sandbox = req.env.netns;
  if (cfg.mtu) ci.mtu = cfg.mtu;
  r.interfaces.push_back(ci);
  for (auto ip : ipam.ips) {
    ip.interface = 1;
    r.ips.push_back(ip);
  }
  r.routes = ipam.routes;
  r.dns = cfg.dns.empty() ? ipam.dns : cfg.dns;
  failpoint("ptp.add.result_ready");
  undo_veth.dismiss();
  undo_ipam.dismiss();
  spdlog::info("ADD {} {}: ptp to {}", req.env.container_id, req.env.ifname,
               peer_ns ? cfg.peer_netns : std::string("the host"));
  return r;
}

}  // namespace berth::ptp
