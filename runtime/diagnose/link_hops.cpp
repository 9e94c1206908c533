// The link hops: from the container's interface through its veth to the bridge.
#include <cerrno>
#include <cstring>

#include "runtime/diagnose/hops.h"
#include "runtime/diagnose/probe.h"

namespace berth::runtime::diagnose {

namespace {

std::string addrs_text(const std::vector<Prefix>& addrs) {
  std::string out;
  for (const auto& a : addrs) out += (out.empty() ? "" : ", ") + a.str();
  return out.empty() ? "no address" : out;
}

bool has_addr(const std::vector<Prefix>& addrs, const IpAddr& a) {
  for (const auto& p : addrs)
    if (p.addr == a) return true;
  return false;
}

}  // namespace

std::string link_name(const Endpoint& e) { return e.att.ifname + " in container " + e.name; }

bool bridge_flag(const net::NetworkInfo& n, const char* key) {
  auto plugins = n.conflist.find("plugins");
  if (plugins == n.conflist.end() || !plugins->is_array()) return false;
  for (const auto& p : *plugins)
    if (p.value("type", "") == "berth-bridge") return p.value(key, false);
  return false;
}

void container_link_hop(Report& r, const Endpoint& e, const Observed& o,
                        const std::optional<IpAddr>& dst) {
  std::string name = link_name(e);
  if (!o.error.empty()) return r.unknown(name, "cannot read: " + o.error);
  if (!o.ctr_link)
    return r.problem(name, "missing", "container " + e.name + " has no " + e.att.ifname);
  std::string detail = std::string(o.ctr_link->up ? "up" : "down") + ", " + addrs_text(o.ctr_addrs);
  if (!o.ctr_link->up) return r.problem(name, detail, name + " is down");
  if (e.addr && !has_addr(o.ctr_addrs, *e.addr))
    return r.problem(
        name, detail,
        "container " + e.name + " lost its address " + e.addr->str() + " on " + e.att.ifname);
  if (dst) {
    auto ns = NetNs::open(e.netns);
    auto route = ns ? route_to(*ns, *dst) : Result<RouteChoice>(std::unexpected(ns.error()));
    if (!route) return r.unknown(name, detail + ", route lookup failed: " + route.error().what());
    if (route->err != 0) {
      detail += ", no route to " + dst->str() + " (" + std::strerror(route->err) + ")";
      if (e.net.internal)
        return r.problem(
            name, detail,
            "network " + e.net.name + " is internal: containers on it have no route out");
      return r.problem(name, detail, "container " + e.name + " has no route to " + dst->str());
    }
    if (!has_addr(o.ctr_addrs, route->source))
      return r.unknown(name, detail + ", but " + dst->str() + " is reached from " +
                                 route->source.str() + ", another interface");
    detail += ", route to " + dst->str() + " from " + route->source.str();
  }
  r.ok(name, detail);
}

void veth_hop(Report& r, const Endpoint& e, const Observed& o) {
  if (!o.error.empty() || !o.ctr_link) return;  // the container's hop said why
  std::string whose = " (host end of " + link_name(e) + ")";
  if (!o.host_veth)
    return r.problem("veth" + whose, "missing in the host",
                     "the host end of " + link_name(e) + " is missing");
  const auto& v = *o.host_veth;
  std::string name = v.name + whose;
  std::string detail = v.up ? "up" : "down";
  if (!v.up) return r.problem(name, detail, v.name + whose + " is down");
  if (!o.bridge || v.master != o.bridge->index) {
    detail += v.master ? ", a port of another bridge" : ", a port of no bridge";
    return r.problem(name, detail, v.name + " is not a port of bridge " + e.net.bridge);
  }
  r.ok(name, detail + ", a port of " + e.net.bridge);
}

void bridge_hop(Report& r, const Endpoint& e, const Observed& o) {
  std::string name = "bridge " + e.net.bridge + " (network " + e.net.name + ")";
  if (!o.bridge)
    return r.problem(name, "missing",
                     "bridge " + e.net.bridge + " of network " + e.net.name + " is missing");
  std::string detail =
      std::string(o.bridge->up ? "up" : "down") + ", " + addrs_text(o.bridge_addrs);
  if (!o.bridge->up) return r.problem(name, detail, "bridge " + e.net.bridge + " is down");
  for (const auto& gw : e.net.gateways)
    if (bridge_flag(e.net, "isGateway") && !has_addr(o.bridge_addrs, gw))
      return r.problem(name, detail,
                       "bridge " + e.net.bridge + " lacks its gateway address " + gw.str());
  r.ok(name, detail);
}

}  // namespace berth::runtime::diagnose
