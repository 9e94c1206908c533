#include "runtime/diagnose/walk.h"

#include <cstring>

#include "core/nft/inspect.h"
#include "runtime/diagnose/hops.h"
#include "runtime/diagnose/probe.h"

namespace berth::runtime::diagnose {

namespace {

// The address the source's first packet is sent to on its link: the destination when it
// is in the network's subnet, else the gateway.
std::optional<IpAddr> next_hop(const Endpoint& from, const IpAddr& dst) {
  for (const auto& s : from.net.subnets)
    if (s.contains(dst)) return dst;
  for (const auto& gw : from.net.gateways)
    if (gw.family() == dst.family()) return gw;
  return std::nullopt;
}

// A missing or unanswered neighbour entry does not stop a packet by itself; it explains
// a timeout, so it is shown (and returned) rather than named as the cause.
std::string neighbour_hop(Report& r, const NetNs& ns, const std::string& where, int ifindex,
                          const IpAddr& addr) {
  std::string name = "neighbour entry " + addr.str() + " in " + where;
  auto st = neighbour_state(ns, ifindex, addr);
  if (!st) {
    r.unknown(name, st.error().what());
    return "";
  }
  if (!*st) {
    r.ok(name, "no entry yet");
    return "";
  }
  if (**st == "FAILED" || **st == "INCOMPLETE") {
    r.unknown(name, **st + ": nobody answered for " + addr.str());
    return "neighbour " + addr.str() + " is " + **st;
  }
  r.ok(name, **st);
  return "";
}

void listener_hop(Report& r, const NetNs& ns, const std::string& where, const IpAddr& addr,
                  uint16_t port, const std::string& proto) {
  std::string what = std::to_string(port) + "/" + proto;
  std::string name = "listener " + what + " (" + where + ")";
  auto found = listeners(ns, proto, port);
  if (!found) return r.unknown(name, found.error().what());
  std::string bound;
  for (const auto& a : *found) {
    bound += (bound.empty() ? "" : ", ") + a.str();
    bool any = a == IpAddr::parse("0.0.0.0") || a == IpAddr::parse("::");
    if (any || a == addr) return r.ok(name, "bound to " + a.str());
  }
  if (!bound.empty())
    return r.problem(name, "bound to " + bound + " only",
                     what + " in " + where + " listens only on " + bound + ", not " + addr.str());
  r.problem(name, "no socket", "nothing listens on " + what + " in " + where);
}

void connect_hop(Report& r, const Path& p, const NetNs& from_ns, const std::string& neigh_note,
                 int timeout_ms) {
  std::string name = "connection";
  if (p.kind == TargetKind::kOutside)
    return r.unknown(name, "not attempted: " + (p.dst ? p.dst->str() : std::string("the outside")) +
                               " is outside this host, and berth connects only inside it");
  if (!p.port || !p.dst) return r.unknown(name, "not attempted: no port given");
  if (p.proto != "tcp") return r.unknown(name, "not attempted: only TCP is tried");
  std::string target =
      (p.dst->is_v4() ? p.dst->str() : "[" + p.dst->str() + "]") + ":" + std::to_string(p.port);
  auto err = tcp_connect(from_ns, *p.dst, p.port, timeout_ms);
  if (!err) return r.unknown(name, err.error().what());
  if (*err == 0) return r.ok(name, "connected to " + target);
  std::string why = std::strerror(*err);
  r.problem(name, target + ": " + why,
            "connecting to " + target + " failed (" + why + ")" +
                (neigh_note.empty() ? " though no hop shows why" : ": " + neigh_note));
}

}  // namespace

Report walk(const Path& p, int connect_timeout_ms) {
  Report r;
  r.from = "container " + p.from.name + " (network " + p.from.net.name + ")";
  r.to = p.describe_target();
  if (p.kind == TargetKind::kPublished) r.from = "the host";
  for (const Endpoint* e : {&p.from, p.to ? &*p.to : nullptr})
    if (e && !e->running) {
      r.problem("container " + e->name, "not running", "container " + e->name + " is not running");
      return r;
    }
  Observed from = observe(p.from);
  std::optional<Observed> to_obs;
  if (p.kind == TargetKind::kContainer) to_obs = p.to->id == p.from.id ? from : observe(*p.to);
  const Observed* to = to_obs ? &*to_obs : nullptr;

  auto rules = nft::inspect_ruleset();
  auto firewall = [&] {
    if (!rules) return r.unknown("berth's nftables tables", rules.error().what());
    firewall_hops(r, p, *rules, from, to);
  };
  auto from_ns = NetNs::open(p.from.netns);
  auto host_ns = NetNs::current();
  if (!from_ns || !host_ns) {
    r.unknown("namespaces", (from_ns ? host_ns.error() : from_ns.error()).what());
    return r;
  }
  std::string neigh_note;
  std::string where = "container " + p.from.name;

  if (p.kind == TargetKind::kPublished) {
    // Host -> DNAT -> bridge -> veth -> container.
    forwarding_hop(r, p);
    bridge_netfilter_hop(r);
    firewall();
    bridge_hop(r, p.from, from);
    veth_hop(r, p.from, from);
    container_link_hop(r, p.from, from, p.dst);
    auto addr = from.current_addr(p.from, AF_INET);
    if (addr && from.bridge)
      neigh_note = neighbour_hop(r, *host_ns, "the host (on " + p.from.net.bridge + ")",
                                 from.bridge->index, *addr);
    if (addr && p.published->container_port)
      listener_hop(r, *from_ns, where, *addr, p.published->container_port, p.proto);
    connect_hop(r, p, *host_ns, neigh_note, connect_timeout_ms);
    return r;
  }

  // Container -> its link -> its bridge -> (the host) -> the target.
  std::optional<IpAddr> lookup = p.dst;
  if (!lookup) lookup = IpAddr::parse("192.0.2.1");  // any outside address: the default route
  container_link_hop(r, p.from, from, lookup);
  veth_hop(r, p.from, from);
  bridge_hop(r, p.from, from);
  bool other_bridge = to && p.to->net.bridge != p.from.net.bridge;
  if (p.kind != TargetKind::kContainer || other_bridge) forwarding_hop(r, p);
  bridge_netfilter_hop(r);
  firewall();
  if (to) {
    if (other_bridge) bridge_hop(r, *p.to, *to);
    if (p.to->id != p.from.id) {
      veth_hop(r, *p.to, *to);
      container_link_hop(r, *p.to, *to, p.from.addr);
    }
  }
  if (p.dst && from.ctr_link)
    if (auto hop = next_hop(p.from, *p.dst))
      neigh_note = neighbour_hop(r, *from_ns, where, from.ctr_link->index, *hop);
  if (p.port && p.dst) {
    if (to) {
      auto to_ns = NetNs::open(p.to->netns);
      if (to_ns) listener_hop(r, *to_ns, "container " + p.to->name, *p.dst, p.port, p.proto);
    } else if (p.kind == TargetKind::kHost) {
      listener_hop(r, *host_ns, "the host", *p.dst, p.port, p.proto);
    }
  }
  connect_hop(r, p, *from_ns, neigh_note, connect_timeout_ms);
  return r;
}

}  // namespace berth::runtime::diagnose
