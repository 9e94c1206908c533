// Address and route verbs over libnl. Every function acts in the namespace of the
// Socket it is given.
#pragma once

#include <optional>
#include <vector>

#include "core/error.h"
#include "core/ip.h"
#include "core/netlink/socket.h"

namespace berth::netlink {

// Adds `addr` (host bits kept, e.g. 10.88.0.5/16) to link `index`. IPv4 gets the subnet
// broadcast; IPv6 is added without duplicate address detection (the address comes from
// IPAM, and DAD would delay the attachment by about a second). Already present: success.
[[nodiscard]] Result<> add_address(const Socket& s, int index, const Prefix& addr);
// The same, telling whether the address is new (false: it was there already).
[[nodiscard]] Result<bool> add_address_if_absent(const Socket& s, int index, const Prefix& addr);
// Removes it; success when it was not there.
[[nodiscard]] Result<> del_address(const Socket& s, int index, const Prefix& addr);
// Addresses on link `index` (family AF_UNSPEC: both), global scope only unless `all`.
[[nodiscard]] Result<std::vector<Prefix>> list_addresses(const Socket& s, int index, bool all = false);

struct RouteSpec {
  Prefix dst;
  std::optional<IpAddr> gw;  // none: a link-scope route through `oif`
  int oif = 0;
  std::optional<uint32_t> priority, mtu, advmss, table, scope;
  std::optional<uint8_t> protocol;  // rtm_protocol; default RTPROT_BOOT
  bool onlink = false;              // the gateway is on `oif`'s link whatever its addresses say
};
// Adds the route (fails with code 100 when an identical route exists: EEXIST).
[[nodiscard]] Result<> add_route(const Socket& s, const RouteSpec& r);
// The same, but a route to the same destination in the same table already there (e.g. a
// default route another network owns) is not an error: returns false and changes nothing.
[[nodiscard]] Result<bool> add_route_if_absent(const Socket& s, const RouteSpec& r);
// Adds the route or replaces the one to the same destination (NLM_F_REPLACE).
[[nodiscard]] Result<> replace_route(const Socket& s, const RouteSpec& r);
// Deletes the main table's route to `dst` made by `protocol`; success when it is gone.
[[nodiscard]] Result<> del_route(const Socket& s, const Prefix& dst, uint8_t protocol);
// Main-table routes made by `protocol` (e.g. an agent's own, to reconcile after a restart).
[[nodiscard]] Result<std::vector<RouteSpec>> list_routes_by_protocol(const Socket& s, uint8_t protocol);
// Routes of the main table (or every table when `all_tables`) through link `oif`.
[[nodiscard]] Result<std::vector<RouteSpec>> list_routes(const Socket& s, int oif);

}  // namespace berth::netlink
