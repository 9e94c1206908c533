#include "node/dataplane.h"

#include <functional>

#include <spdlog/spdlog.h>

#include "core/netlink/addr_extra.h"
#include "core/netlink/addr_route.h"

namespace berth::node {

Plan plan(const std::string& self, bool overlay, const std::map<Prefix, std::string>& blocks,
          const std::map<std::string, PeerNode>& nodes) {
  Plan p;
  for (const auto& [block, owner] : blocks) {
    if (owner == self) {
      ++p.blocks_owned;
      if (overlay && block.addr.is_v4()) p.vtep_addresses.insert(Prefix{block.network(), 32});
      continue;
    }
    auto n = nodes.find(owner);
    if (n == nodes.end()) {
      p.gone_owners.insert(owner);
      continue;
    }
    const PeerNode& peer = n->second;
    if (overlay && peer.vtep_mac) {
      const IpAddr vtep = block.network();
      p.routes[block] = Hop{vtep, true};
      p.neighbours.insert({vtep, *peer.vtep_mac});
      p.fdb.insert({peer.address, *peer.vtep_mac});
    } else if (peer.address.family() == block.addr.family()) {
      p.routes[block] = Hop{peer.address, false};
    }
  }
  return p;
}

namespace {

// The MTU of the link carrying `local`, less the encapsulation: outer IP, UDP, VXLAN and
// the inner Ethernet header (50 bytes over IPv4, 70 over IPv6). The kernel would give a
// device without a lower link 1500, and full-size pod packets would then not fit.
Result<uint32_t> overlay_mtu(const netlink::Socket& s, const IpAddr& local) {
  for (const auto& a : BERTH_TRY(netlink::list_all_addresses(s)))
    if (a.addr.addr == local) {
      auto link = BERTH_TRY(netlink::get_link(s, a.index));
      if (link && link->mtu > 100) return link->mtu - (local.is_v4() ? 50 : 70);
    }
  return fail(Code::kInvalidConfig, "no link of this node has address " + local.str(),
              "--node-ip must be an address of this node (the vxlan device sends from it)");
}

}  // namespace

Result<Dataplane> Dataplane::open(bool overlay, const netlink::VxlanSpec& vxlan) {
  Dataplane d;
  d.nl_ = BERTH_TRY(netlink::Socket::open());
  if (overlay) {
    netlink::VxlanSpec spec = vxlan;
    if (!spec.mtu) spec.mtu = BERTH_TRY(overlay_mtu(d.nl_, spec.local));
    auto dev = BERTH_TRY(netlink::ensure_vxlan(d.nl_, spec));
    d.vx_index_ = dev.index;
    d.mac_ = netlink::parse_mac(dev.mac);
    if (!d.mac_) return fail(Code::kNetlink, "vxlan `" + vxlan.name + "` has no MAC address");
    for (const auto& n : BERTH_TRY(netlink::list_neighbours(d.nl_, dev.index, false))) d.neighbours_.insert(n);
    for (const auto& n : BERTH_TRY(netlink::list_neighbours(d.nl_, dev.index, true))) d.fdb_.insert(n);
    for (const auto& a : BERTH_TRY(netlink::list_addresses(d.nl_, dev.index))) d.vtep_addresses_.insert(a);
  }
  // Routes an earlier run made: known, so apply() withdraws the stale ones.
  for (const auto& r : BERTH_TRY(netlink::list_routes_by_protocol(d.nl_, kRouteProtocol)))
    if (r.gw) d.routes_[r.dst] = Hop{*r.gw, overlay && r.oif == d.vx_index_};
  return d;
}

namespace {

// Brings `have` to `want` with `add` and `remove`, each an attempt that may fail; what
// failed stays as it was (and is tried again next time).
template <typename T>
void converge(std::set<T>& have, const std::set<T>& want, const std::function<Result<>(const T&)>& add,
              const std::function<Result<>(const T&)>& remove, uint64_t& errors) {
  for (auto it = have.begin(); it != have.end();) {
    if (want.count(*it)) {
      ++it;
      continue;
    }
    if (auto r = remove(*it); !r) {
      ++errors;
      spdlog::warn("{}", r.error().what());
      ++it;
      continue;
    }
    it = have.erase(it);
  }
  for (const auto& w : want) {
    if (have.count(w)) continue;
    if (auto r = add(w); !r) {
      ++errors;
      spdlog::warn("{}", r.error().what());
      continue;
    }
    have.insert(w);
  }
}

}  // namespace

DataplaneCounts Dataplane::apply(const Plan& p) {
  DataplaneCounts c;
  const int vx = vx_index_;
  // Withdraw first (a route before the entries it resolves through), then add (the
  // entries before the routes that need them).
  for (auto it = routes_.begin(); it != routes_.end();) {
    auto w = p.routes.find(it->first);
    if (w != p.routes.end() && w->second == it->second) {
      ++it;
      continue;
    }
    if (w == p.routes.end()) {
      if (auto r = netlink::del_route(nl_, it->first, kRouteProtocol); !r) {
        ++c.errors;
        spdlog::warn("{}", r.error().what());
        ++it;
        continue;
      }
      spdlog::info("route {} withdrawn", it->first.str());
      ++c.route_withdrawals;
    }
    it = routes_.erase(it);  // changed ones are replaced below
  }
  auto neighbours = [&](std::set<netlink::Neighbour>& have, const std::set<netlink::Neighbour>& want, bool fdb) {
    converge<netlink::Neighbour>(
        have, want,
        [&](const netlink::Neighbour& n) { return fdb ? netlink::set_fdb(nl_, vx, n) : netlink::set_neighbour(nl_, vx, n); },
        [&](const netlink::Neighbour& n) { return fdb ? netlink::del_fdb(nl_, vx, n) : netlink::del_neighbour(nl_, vx, n.dst); },
        c.errors);
  };
  if (vx) {
    neighbours(fdb_, p.fdb, true);
    neighbours(neighbours_, p.neighbours, false);
    converge<Prefix>(
        vtep_addresses_, p.vtep_addresses, [&](const Prefix& a) { return netlink::add_address(nl_, vx, a); },
        [&](const Prefix& a) { return netlink::del_address(nl_, vx, a); }, c.errors);
  }
  for (const auto& [block, hop] : p.routes) {
    if (routes_.count(block)) continue;
    if (hop.overlay && !vx) continue;  // not a vxlan node: plan() gives no such hop
    netlink::RouteSpec r;
    r.dst = block;
    r.gw = hop.via;
    r.protocol = kRouteProtocol;
    if (hop.overlay) {
      r.oif = vx;
      r.onlink = true;  // the VTEP address is on no subnet of the device
    }
    if (auto ok = netlink::replace_route(nl_, r); !ok) {
      ++c.errors;
      spdlog::warn("{}", ok.error().what());
      continue;
    }
    spdlog::info("route {} via {}{}", block.str(), hop.via.str(), hop.overlay ? " (vxlan)" : "");
    ++c.route_adds;
    routes_[block] = hop;
  }
  return c;
}

}  // namespace berth::node
