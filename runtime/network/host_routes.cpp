#include "runtime/network/host_routes.h"

#include <linux/rtnetlink.h>

#include "core/netlink/socket.h"

namespace berth::runtime::net {

Result<std::vector<Prefix>> host_route_prefixes() {
  auto sock = BERTH_TRY(netlink::Socket::open());
  auto cache = BERTH_TRY(netlink::dump(
      "routes", [&](nl_cache** c) { return rtnl_route_alloc_cache(sock.get(), AF_UNSPEC, 0, c); }));
  std::vector<Prefix> out;
  for (nl_object* o = nl_cache_get_first(cache.get()); o; o = nl_cache_get_next(o)) {
    auto* rt = reinterpret_cast<rtnl_route*>(o);
    if (rtnl_route_get_table(rt) != RT_TABLE_MAIN) continue;
    nl_addr* dst = rtnl_route_get_dst(rt);
    if (!dst || nl_addr_get_len(dst) == 0) continue;  // default route: overlaps everything
    int family = nl_addr_get_family(dst);
    if (family != AF_INET && family != AF_INET6) continue;
    out.push_back({IpAddr::from_bytes(family, nl_addr_get_binary_addr(dst)),
                   int(nl_addr_get_prefixlen(dst))});
  }
  return out;
}

}  // namespace berth::runtime::net
