// A NETLINK_ROUTE socket (libnl), bound for life to the network namespace it was
// opened in: open one inside a container's namespace, then use it from any thread.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/route.h>

#include "core/error.h"
#include "core/netns.h"

namespace berth::netlink {

// One RAII owner per libnl object type.
struct SockFree { void operator()(nl_sock* s) const { nl_socket_free(s); } };
struct LinkPut { void operator()(rtnl_link* l) const { rtnl_link_put(l); } };
struct AddrPut { void operator()(nl_addr* a) const { nl_addr_put(a); } };
struct RtAddrPut { void operator()(rtnl_addr* a) const { rtnl_addr_put(a); } };
struct RoutePut { void operator()(rtnl_route* r) const { rtnl_route_put(r); } };
struct CachePut { void operator()(nl_cache* c) const { nl_cache_put(c); } };
struct MsgFree { void operator()(nl_msg* m) const { nlmsg_free(m); } };
using LinkPtr = std::unique_ptr<rtnl_link, LinkPut>;
using AddrPtr = std::unique_ptr<nl_addr, AddrPut>;
using RtAddrPtr = std::unique_ptr<rtnl_addr, RtAddrPut>;
using RoutePtr = std::unique_ptr<rtnl_route, RoutePut>;
using CachePtr = std::unique_ptr<nl_cache, CachePut>;
using MsgPtr = std::unique_ptr<nl_msg, MsgFree>;

class Socket {
 public:
  // Opens a route socket in the calling thread's namespace.
  [[nodiscard]] static Result<Socket> open();
  // Opens it inside `ns` (on a throw-away thread); the caller stays where it is.
  [[nodiscard]] static Result<Socket> open_in(const NetNs& ns);
  [[nodiscard]] nl_sock* get() const { return sock_.get(); }

 private:
  std::unique_ptr<nl_sock, SockFree> sock_;
};

// Turns a negative libnl error into a berth error: "<action>: <libnl message>".
std::unexpected<Error> nl_fail(const std::string& action, int nl_err);

// Fills a libnl cache by dumping, retried while the kernel reports the dump interrupted.
[[nodiscard]] Result<CachePtr> dump(const std::string& what,
                                    const std::function<int(nl_cache**)>& alloc_cache);

}  // namespace berth::netlink
