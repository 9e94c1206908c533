#include "core/netlink/addr_extra.h"

#include <linux/if_addr.h>
#include <netlink/errno.h>

namespace berth::netlink {
namespace {

AddrPtr to_nl(const IpAddr& ip, int len) {
  AddrPtr a(nl_addr_build(ip.family(), ip.data(), ip.size()));
  if (a) nl_addr_set_prefixlen(a.get(), len);
  return a;
}

}  // namespace

Result<std::vector<AddrInfo>> list_all_addresses(const Socket& s) {
  auto cache = BERTH_TRY(dump("addresses", [&](nl_cache** c) { return rtnl_addr_alloc_cache(s.get(), c); }));
  std::vector<AddrInfo> out;
  for (nl_object* o = nl_cache_get_first(cache.get()); o; o = nl_cache_get_next(o)) {
    auto* a = reinterpret_cast<rtnl_addr*>(o);
    nl_addr* local = rtnl_addr_get_local(a);
    if (!local || nl_addr_get_len(local) == 0) continue;
    AddrInfo info;
    info.index = rtnl_addr_get_ifindex(a);
    info.addr = Prefix{IpAddr::from_bytes(nl_addr_get_family(local), nl_addr_get_binary_addr(local)),
                       int(nl_addr_get_prefixlen(local))};
    info.scope = rtnl_addr_get_scope(a);
    out.push_back(info);
  }
  return out;
}

Result<> add_address_no_route(const Socket& s, int index, const Prefix& addr) {
  RtAddrPtr a(rtnl_addr_alloc());
  rtnl_addr_set_ifindex(a.get(), index);
  auto local = to_nl(addr.addr, addr.len);
  rtnl_addr_set_local(a.get(), local.get());
  rtnl_addr_set_flags(a.get(), IFA_F_NOPREFIXROUTE | (addr.addr.is_v4() ? 0 : IFA_F_NODAD));
  int err = rtnl_addr_add(s.get(), a.get(), 0);
  if (err < 0 && err != -NLE_EXIST) return nl_fail("add address `" + addr.str() + "`", err);
  return {};
}

}  // namespace berth::netlink
