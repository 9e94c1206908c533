// The neighbour (ARP / NDP) entry for the next hop: FAILED or INCOMPLETE means nobody
// answered for that address on the link, which explains a timeout that no rule does.
#include <linux/neighbour.h>
#include <netlink/route/neighbour.h>

#include "core/netlink/socket.h"
#include "runtime/diagnose/probe.h"

namespace berth::runtime::diagnose {

namespace {

std::string state_name(int state) {
  if (state & NUD_PERMANENT) return "PERMANENT";
  if (state & NUD_NOARP) return "NOARP";
  if (state & NUD_REACHABLE) return "REACHABLE";
  if (state & NUD_STALE) return "STALE";
  if (state & NUD_DELAY) return "DELAY";
  if (state & NUD_PROBE) return "PROBE";
  if (state & NUD_INCOMPLETE) return "INCOMPLETE";
  if (state & NUD_FAILED) return "FAILED";
  return "NONE";
}

struct NeighPut {
  void operator()(rtnl_neigh* n) const { rtnl_neigh_put(n); }
};

}  // namespace

Result<std::optional<std::string>> neighbour_state(const NetNs& ns, int ifindex,
                                                   const IpAddr& addr) {
  auto sock = BERTH_TRY(netlink::Socket::open_in(ns));
  auto cache = BERTH_TRY(netlink::dump(
      "neighbours", [&](nl_cache** c) { return rtnl_neigh_alloc_cache(sock.get(), c); }));
  netlink::AddrPtr dst(nl_addr_build(addr.family(), addr.data(), static_cast<size_t>(addr.size())));
  if (!dst) return fail(Code::kInternal, "nl_addr_build failed");
  std::unique_ptr<rtnl_neigh, NeighPut> n(rtnl_neigh_get(cache.get(), ifindex, dst.get()));
  if (!n) return std::optional<std::string>();
  return std::optional(state_name(rtnl_neigh_get_state(n.get())));
}

}  // namespace berth::runtime::diagnose
