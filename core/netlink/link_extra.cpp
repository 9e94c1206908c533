#include "core/netlink/link_extra.h"

#include <algorithm>

namespace berth::netlink {

Result<std::vector<LinkInfo>> list_links(const Socket& s) {
  auto cache = BERTH_TRY(dump("links", [&](nl_cache** c) { return rtnl_link_alloc_cache(s.get(), AF_UNSPEC, c); }));
  std::vector<int> indexes;
  for (nl_object* o = nl_cache_get_first(cache.get()); o; o = nl_cache_get_next(o))
    indexes.push_back(rtnl_link_get_ifindex(reinterpret_cast<rtnl_link*>(o)));
  std::sort(indexes.begin(), indexes.end());
  // get_link() owns the libnl-to-LinkInfo conversion; one lookup per link keeps that in
  // one place (a namespace has a handful of links). A link gone meanwhile is skipped.
  std::vector<LinkInfo> out;
  for (int index : indexes)
    if (auto l = BERTH_TRY(get_link(s, index))) out.push_back(std::move(*l));
  return out;
}

}  // namespace berth::netlink
