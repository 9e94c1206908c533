#include "core/netlink/addr_route.h"

#include <functional>

#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <netlink/errno.h>

namespace berth::netlink {
namespace {

AddrPtr to_nl(const IpAddr& ip, int len) {
  AddrPtr a(nl_addr_build(ip.family(), ip.data(), ip.size()));
  if (a) nl_addr_set_prefixlen(a.get(), len);
  return a;
}

Prefix from_nl(nl_addr* a) {
  if (nl_addr_get_len(a) == 0) {  // a default route's dst carries no bytes
    static const uint8_t zero[16] = {};
    return Prefix{IpAddr::from_bytes(nl_addr_get_family(a), zero), 0};
  }
  return Prefix{IpAddr::from_bytes(nl_addr_get_family(a), nl_addr_get_binary_addr(a)),
                int(nl_addr_get_prefixlen(a))};
}

RtAddrPtr build_addr(int index, const Prefix& addr) {
  RtAddrPtr a(rtnl_addr_alloc());
  rtnl_addr_set_ifindex(a.get(), index);
  auto local = to_nl(addr.addr, addr.len);
  rtnl_addr_set_local(a.get(), local.get());
  return a;
}

}  // namespace

Result<> add_address(const Socket& s, int index, const Prefix& addr) {
  BERTH_TRY(add_address_if_absent(s, index, addr));
  return {};
}

Result<bool> add_address_if_absent(const Socket& s, int index, const Prefix& addr) {
  auto a = build_addr(index, addr);
  if (addr.addr.is_v4()) {
    if (addr.len < 31) {
      auto brd = to_nl(addr.last(), 32);
      rtnl_addr_set_broadcast(a.get(), brd.get());
    }
  } else {
    rtnl_addr_set_flags(a.get(), IFA_F_NODAD);
  }
  int err = rtnl_addr_add(s.get(), a.get(), NLM_F_EXCL);
  if (err == -NLE_EXIST) return false;
  if (err < 0) return nl_fail("add address `" + addr.str() + "`", err);
  return true;
}

Result<> del_address(const Socket& s, int index, const Prefix& addr) {
  auto a = build_addr(index, addr);
  int err = rtnl_addr_delete(s.get(), a.get(), 0);
  if (err < 0 && err != -NLE_NOADDR && err != -NLE_OBJ_NOTFOUND && err != -NLE_NODEV)
    return nl_fail("delete address `" + addr.str() + "`", err);
  return {};
}

Result<std::vector<Prefix>> list_addresses(const Socket& s, int index, bool all) {
  auto cache = BERTH_TRY(dump("addresses", [&](nl_cache** c) { return rtnl_addr_alloc_cache(s.get(), c); }));
  std::vector<Prefix> out;
  for (nl_object* o = nl_cache_get_first(cache.get()); o; o = nl_cache_get_next(o)) {
    auto* a = reinterpret_cast<rtnl_addr*>(o);
    if (rtnl_addr_get_ifindex(a) != index) continue;
    if (!all && rtnl_addr_get_scope(a) != RT_SCOPE_UNIVERSE) continue;
    if (nl_addr* local = rtnl_addr_get_local(a)) out.push_back(from_nl(local));
  }
  return out;
}

namespace {

// 1 added, 0 already there (only when exist_ok), or an error.
Result<bool> add_route_impl(const Socket& s, const RouteSpec& r, int flags, bool exist_ok) {
  RoutePtr route(rtnl_route_alloc());
  auto dst = to_nl(r.dst.network(), r.dst.len);
  rtnl_route_set_family(route.get(), r.dst.addr.family());
  rtnl_route_set_dst(route.get(), dst.get());
  rtnl_route_set_table(route.get(), r.table.value_or(RT_TABLE_MAIN));
  rtnl_route_set_protocol(route.get(), r.protocol.value_or(RTPROT_BOOT));
  rtnl_route_set_scope(route.get(), r.scope ? *r.scope : uint32_t(r.gw ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK));
  if (r.priority) rtnl_route_set_priority(route.get(), *r.priority);
  if (r.mtu) rtnl_route_set_metric(route.get(), RTAX_MTU, *r.mtu);
  if (r.advmss) rtnl_route_set_metric(route.get(), RTAX_ADVMSS, *r.advmss);
  rtnl_nexthop* nh = rtnl_route_nh_alloc();
  rtnl_route_nh_set_ifindex(nh, r.oif);
  if (r.onlink) rtnl_route_nh_set_flags(nh, RTNH_F_ONLINK);
  if (r.gw) {
    auto gw = to_nl(*r.gw, r.gw->bits());
    rtnl_route_nh_set_gateway(nh, gw.get());
  }
  rtnl_route_add_nexthop(route.get(), nh);  // the route owns nh from here on
  int err = rtnl_route_add(s.get(), route.get(), flags);
  if (err == -NLE_EXIST && exist_ok) return false;
  if (err < 0) return nl_fail("add route `" + r.dst.str() + (r.gw ? " via " + r.gw->str() : "") + "`", err);
  return true;
}

}  // namespace

Result<> add_route(const Socket& s, const RouteSpec& r) {
  BERTH_TRY(add_route_impl(s, r, NLM_F_EXCL, false));
  return {};
}

Result<bool> add_route_if_absent(const Socket& s, const RouteSpec& r) {
  return add_route_impl(s, r, NLM_F_EXCL, true);
}

Result<> replace_route(const Socket& s, const RouteSpec& r) {
  BERTH_TRY(add_route_impl(s, r, NLM_F_REPLACE, false));
  return {};
}

Result<> del_route(const Socket& s, const Prefix& dst, uint8_t protocol) {
  RoutePtr route(rtnl_route_alloc());
  auto d = to_nl(dst.network(), dst.len);
  rtnl_route_set_family(route.get(), dst.addr.family());
  rtnl_route_set_dst(route.get(), d.get());
  rtnl_route_set_table(route.get(), RT_TABLE_MAIN);
  rtnl_route_set_protocol(route.get(), protocol);
  rtnl_route_set_scope(route.get(), RT_SCOPE_NOWHERE);  // any scope
  int err = rtnl_route_delete(s.get(), route.get(), 0);
  if (err < 0 && err != -NLE_OBJ_NOTFOUND && err != -NLE_NOADDR)
    return nl_fail("delete route `" + dst.str() + "`", err);
  return {};
}

namespace {

// The main table's routes that `keep` accepts, with their first next hop's link and gateway.
Result<std::vector<RouteSpec>> main_routes(const Socket& s, const std::function<bool(rtnl_route*)>& keep) {
  auto cache = BERTH_TRY(
      dump("routes", [&](nl_cache** c) { return rtnl_route_alloc_cache(s.get(), AF_UNSPEC, 0, c); }));
  std::vector<RouteSpec> out;
  for (nl_object* o = nl_cache_get_first(cache.get()); o; o = nl_cache_get_next(o)) {
    auto* rt = reinterpret_cast<rtnl_route*>(o);
    if (rtnl_route_get_table(rt) != RT_TABLE_MAIN || !keep(rt)) continue;
    RouteSpec spec;
    spec.dst = from_nl(rtnl_route_get_dst(rt));
    spec.protocol = rtnl_route_get_protocol(rt);
    if (rtnl_route_get_nnexthops(rt) >= 1) {
      rtnl_nexthop* nh = rtnl_route_nexthop_n(rt, 0);
      spec.oif = rtnl_route_nh_get_ifindex(nh);
      if (nl_addr* gw = rtnl_route_nh_get_gateway(nh)) spec.gw = from_nl(gw).addr;
    }
    out.push_back(spec);
  }
  return out;
}

}  // namespace

Result<std::vector<RouteSpec>> list_routes_by_protocol(const Socket& s, uint8_t protocol) {
  return main_routes(s, [&](rtnl_route* rt) { return rtnl_route_get_protocol(rt) == protocol; });
}

Result<std::vector<RouteSpec>> list_routes(const Socket& s, int oif) {
  return main_routes(s, [&](rtnl_route* rt) {
    return rtnl_route_get_nnexthops(rt) >= 1 && rtnl_route_nh_get_ifindex(rtnl_route_nexthop_n(rt, 0)) == oif;
  });
}

}  // namespace berth::netlink
