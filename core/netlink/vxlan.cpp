#include "core/netlink/vxlan.h"

#include <linux/neighbour.h>
#include <linux/if_link.h>
#include <net/if.h>
#include <netlink/errno.h>
#include <netlink/route/link/vxlan.h>
#include <netlink/route/neighbour.h>

#include <algorithm>

namespace berth::netlink {
namespace {

struct NeighPut { void operator()(rtnl_neigh* n) const { rtnl_neigh_put(n); } };
using NeighPtr = std::unique_ptr<rtnl_neigh, NeighPut>;

AddrPtr ip_addr(const IpAddr& ip) { return AddrPtr(nl_addr_build(ip.family(), ip.data(), ip.size())); }
AddrPtr mac_addr(const Mac& m) { return AddrPtr(nl_addr_build(AF_LLC, m.data(), m.size())); }

// Whether the kernel's device `name` is a vxlan with the spec's VNI, local address and port.
Result<bool> matches(const Socket& s, const VxlanSpec& spec) {
  rtnl_link* raw = nullptr;
  if (int err = rtnl_link_get_kernel(s.get(), 0, spec.name.c_str(), &raw); err < 0)
    return nl_fail("get link `" + spec.name + "`", err);
  LinkPtr l(raw);
  uint32_t vni = 0, port = 0;
  nl_addr* local = nullptr;
  if (rtnl_link_vxlan_get_id(l.get(), &vni) < 0 || rtnl_link_vxlan_get_port(l.get(), &port) < 0 ||
      rtnl_link_vxlan_get_local(l.get(), &local) < 0 || !local)
    return false;
  AddrPtr owned(local);
  bool same_local = nl_addr_get_len(local) == unsigned(spec.local.size()) &&
                    IpAddr::from_bytes(nl_addr_get_family(local), nl_addr_get_binary_addr(local)) == spec.local;
  return vni == spec.vni && port == spec.port && same_local;
}

Result<> create(const Socket& s, const VxlanSpec& spec) {
  LinkPtr l(rtnl_link_vxlan_alloc());
  if (!l) return fail(Code::kNetlink, "allocate vxlan `" + spec.name + "`");
  rtnl_link_set_name(l.get(), spec.name.c_str());
  rtnl_link_vxlan_set_id(l.get(), spec.vni);
  auto local = ip_addr(spec.local);
  rtnl_link_vxlan_set_local(l.get(), local.get());
  rtnl_link_vxlan_set_port(l.get(), spec.port);
  // Every remote VTEP is a static FDB entry berth-node writes: nothing to learn, and a
  // learnt entry could only be a spoofed one.
  rtnl_link_vxlan_set_learning(l.get(), 0);
  if (spec.mtu) rtnl_link_set_mtu(l.get(), spec.mtu);
  rtnl_link_set_flags(l.get(), IFF_UP);
  int err = rtnl_link_add(s.get(), l.get(), NLM_F_CREATE | NLM_F_EXCL);
  if (err < 0 && err != -NLE_EXIST) return nl_fail("create vxlan `" + spec.name + "`", err);
  return {};
}

// One neighbour object: family AF_BRIDGE with NTF_SELF for the vxlan device's own FDB.
NeighPtr neighbour(int index, const Neighbour& n, bool fdb) {
  NeighPtr e(rtnl_neigh_alloc());
  rtnl_neigh_set_ifindex(e.get(), index);
  rtnl_neigh_set_state(e.get(), NUD_PERMANENT);
  auto ip = ip_addr(n.dst);
  auto mac = mac_addr(n.mac);
  rtnl_neigh_set_lladdr(e.get(), mac.get());
  rtnl_neigh_set_dst(e.get(), ip.get());
  if (fdb) {
    rtnl_neigh_set_family(e.get(), AF_BRIDGE);
    rtnl_neigh_set_flags(e.get(), NTF_SELF);
  } else {
    rtnl_neigh_set_family(e.get(), n.dst.family());
  }
  return e;
}

bool gone(int err) { return err == -NLE_OBJ_NOTFOUND || err == -NLE_NODEV || err == -NLE_NOADDR; }

}  // namespace

Result<LinkInfo> ensure_vxlan(const Socket& s, const VxlanSpec& spec) {
  auto existing = BERTH_TRY(get_link(s, spec.name));
  if (existing && existing->kind != "vxlan")
    return fail(Code::kInvalidConfig, "link `" + spec.name + "` exists and is not a vxlan device",
                "its kind is `" + existing->kind + "`");
  if (existing && !BERTH_TRY(matches(s, spec))) {
    BERTH_TRY(delete_link(s, spec.name));
    existing.reset();
  }
  if (!existing) {
    BERTH_TRY(create(s, spec));
    existing = BERTH_TRY(get_link(s, spec.name));
    if (!existing) return fail(Code::kNetlink, "create vxlan `" + spec.name + "`: it vanished");
  }
  if (!existing->up) {
    BERTH_TRY(set_up(s, existing->index));
    existing->up = true;
  }
  return *existing;
}

Result<> set_neighbour(const Socket& s, int index, const Neighbour& n) {
  auto e = neighbour(index, n, false);
  if (int err = rtnl_neigh_add(s.get(), e.get(), NLM_F_CREATE | NLM_F_REPLACE); err < 0)
    return nl_fail("add neighbour " + n.dst.str() + " lladdr " + mac_to_string(n.mac.data()), err);
  return {};
}

Result<> del_neighbour(const Socket& s, int index, const IpAddr& dst) {
  auto e = neighbour(index, {dst, {}}, false);
  if (int err = rtnl_neigh_delete(s.get(), e.get(), 0); err < 0 && !gone(err))
    return nl_fail("delete neighbour " + dst.str(), err);
  return {};
}

Result<> set_fdb(const Socket& s, int index, const Neighbour& n) {
  auto e = neighbour(index, n, true);
  if (int err = rtnl_neigh_add(s.get(), e.get(), NLM_F_CREATE | NLM_F_REPLACE); err < 0)
    return nl_fail("add fdb entry " + mac_to_string(n.mac.data()) + " dst " + n.dst.str(), err);
  return {};
}

Result<> del_fdb(const Socket& s, int index, const Neighbour& n) {
  auto e = neighbour(index, n, true);
  if (int err = rtnl_neigh_delete(s.get(), e.get(), 0); err < 0 && !gone(err))
    return nl_fail("delete fdb entry " + mac_to_string(n.mac.data()) + " dst " + n.dst.str(), err);
  return {};
}

Result<std::vector<Neighbour>> list_neighbours(const Socket& s, int index, bool fdb) {
  // NL_CACHE_AF_ITER dumps each family apart, AF_BRIDGE (the FDB) included.
  auto cache = BERTH_TRY(dump("neighbours", [&](nl_cache** c) {
    return rtnl_neigh_alloc_cache_flags(s.get(), c, NL_CACHE_AF_ITER);
  }));
  std::vector<Neighbour> out;
  for (nl_object* o = nl_cache_get_first(cache.get()); o; o = nl_cache_get_next(o)) {
    auto* n = reinterpret_cast<rtnl_neigh*>(o);
    if (rtnl_neigh_get_ifindex(n) != index || !(rtnl_neigh_get_state(n) & NUD_PERMANENT)) continue;
    if ((rtnl_neigh_get_family(n) == AF_BRIDGE) != fdb) continue;
    nl_addr* dst = rtnl_neigh_get_dst(n);
    nl_addr* ll = rtnl_neigh_get_lladdr(n);
    if (!dst || !ll || nl_addr_get_len(ll) != 6) continue;
    int family = nl_addr_get_family(dst);
    if ((family != AF_INET && family != AF_INET6) || nl_addr_get_len(dst) != (family == AF_INET ? 4u : 16u))
      continue;
    Neighbour e{IpAddr::from_bytes(family, nl_addr_get_binary_addr(dst)), {}};
    std::copy_n(static_cast<const uint8_t*>(nl_addr_get_binary_addr(ll)), 6, e.mac.begin());
    out.push_back(e);
  }
  return out;
}

}  // namespace berth::netlink
