// berth's nftables state on the path, judged against the flow: the sets the fixed rules
// look up (isolation, internal, icc, masquerade) and the DNAT map of a published port.
#include <netinet/in.h>

#include "runtime/diagnose/hops.h"

namespace berth::runtime::diagnose {

namespace {

bool has_chain(const std::map<std::string, size_t>& chains, const std::string& name) {
  auto it = chains.find(name);
  return it != chains.end() && it->second > 0;
}

uint8_t proto_number(const std::string& proto) {
  if (proto == "udp") return IPPROTO_UDP;
  if (proto == "sctp") return IPPROTO_SCTP;
  return IPPROTO_TCP;
}

std::string endpoint_text(const IpAddr& a, uint16_t port) {
  return (a.is_v4() ? a.str() : "[" + a.str() + "]") + ":" + std::to_string(port);
}

void icc_hop(Report& r, const Path& p, const nft::RulesetView& rules, const Observed& from,
             const Observed& to) {
  const auto& net = p.from.net;
  std::string name = "icc on network " + net.name;
  if (!from.host_veth || !to.host_veth) return r.unknown(name, "a veth is missing (see above)");
  bool both = rules.icc_ports.contains(from.host_veth->name) &&
              rules.icc_ports.contains(to.host_veth->name);
  if (both && has_chain(rules.bridge_chains, "forward"))
    return r.problem(name,
                     from.host_veth->name + " and " + to.host_veth->name +
                         " are in set icc_ports of table bridge berth",
                     "icc is off on network " + net.name + ": members cannot reach each other");
  if (!net.icc)
    return r.unknown(name, "icc=false in the network, but its ports are not in set icc_ports");
  r.ok(name, "on: members reach each other");
}

void isolation_hops(Report& r, const Path& p, const nft::RulesetView& rules) {
  const auto& a = p.from.net;
  const auto& b = p.to->net;
  bool forward = has_chain(rules.inet_chains, "forward");
  if (forward && rules.internal.contains(a.bridge))
    return r.problem("internal network " + a.name, "bridge " + a.bridge + " is in set internal",
                     "network " + a.name + " is internal: nothing leaves its bridge " + a.bridge);
  if (forward && rules.internal.contains(b.bridge))
    return r.problem("internal network " + b.name, "bridge " + b.bridge + " is in set internal",
                     "network " + b.name + " is internal: nothing enters its bridge " + b.bridge);
  std::string name = "isolation " + a.name + " -> " + b.name;
  if (forward && rules.bridges.contains(a.bridge) && rules.bridges.contains(b.bridge))
    return r.problem(name,
                     "bridges " + a.bridge + " and " + b.bridge +
                         " are both in set bridges: chain forward drops between them",
                     "dropped by isolation between networks " + a.name + " and " + b.name);
  r.ok(name, "no isolation rule matches " + a.bridge + " -> " + b.bridge);
}

void outside_hops(Report& r, const Path& p, const nft::RulesetView& rules, const Observed& from) {
  const auto& net = p.from.net;
  if (has_chain(rules.inet_chains, "forward") && rules.internal.contains(net.bridge))
    return r.problem(
        "internal network " + net.name, "bridge " + net.bridge + " is in set internal",
        "network " + net.name + " is internal: nothing leaves its bridge " + net.bridge);
  std::string name = "masquerade";
  if (!bridge_flag(net, "ipMasq")) return r.ok(name, "off for network " + net.name);
  auto addr = from.current_addr(p.from, p.dst ? p.dst->family() : AF_INET);
  if (!addr) return r.unknown(name, "container " + p.from.name + " has no address to check");
  for (const auto& m : rules.masq)
    if (m.addr == *addr)
      return r.ok(name, addr->str() + " is in set masq" + (addr->is_v4() ? "4" : "6"));
  r.problem(name, addr->str() + " is in no masquerade set",
            "container " + p.from.name + "'s address " + addr->str() +
                " is not masqueraded: answers from outside cannot come back");
}

void published_hops(Report& r, const Path& p, const nft::RulesetView& rules, const Observed& from) {
  const auto& want = *p.published;
  std::string port = std::to_string(want.host_port) + "/" + want.protocol;
  std::string name = "DNAT " + port;
  if (want.container_port == 0)
    return r.problem(name, "not in the container's record",
                     "container " + p.from.name + " does not publish " + port);
  if (!has_chain(rules.inet_chains, "prerouting") || !has_chain(rules.inet_chains, "output"))
    return r.problem(name, "chains prerouting/output of table inet berth are missing or empty",
                     "published ports are not DNATed: berth's nat chains are missing");
  auto bound = IpAddr::parse(want.host_ip);
  int family = bound ? bound->family() : (p.from.addr ? p.from.addr->family() : AF_INET);
  auto current = from.current_addr(p.from, family);
  for (const auto& m : rules.ports) {
    if (m.protocol != proto_number(want.protocol) || m.host_port != want.host_port) continue;
    if (bound ? m.host_ip != *bound : (m.host_ip.family() != 0 || m.ctr_addr.family() != family))
      continue;
    std::string points = endpoint_text(m.ctr_addr, m.ctr_port);
    if (current && m.ctr_addr != *current)
      return r.problem(name, "points at " + points,
                       "published " + port + " points at " + points + " but " + p.from.name +
                           "'s address is " + current->str());
    if (m.ctr_port != want.container_port)
      return r.problem(name, "points at " + points,
                       "published " + port + " points at port " + std::to_string(m.ctr_port) +
                           ", not " + std::to_string(want.container_port));
    return r.ok(name, "points at " + points + " (map " + (family == AF_INET ? "ports4" : "ports6") +
                          (bound ? "" : "_any") + ")");
  }
  r.problem(name, "no element in berth's port maps",
            "published " + port + " of container " + p.from.name + " has no DNAT entry");
}

}  // namespace

void firewall_hops(Report& r, const Path& p, const nft::RulesetView& rules, const Observed& from,
                   const Observed* to) {
  switch (p.kind) {
    case TargetKind::kContainer:
      if (p.to->net.bridge == p.from.net.bridge) {
        if (to && p.to->id != p.from.id) icc_hop(r, p, rules, from, *to);
      } else {
        isolation_hops(r, p, rules);
      }
      return;
    case TargetKind::kOutside:
      return outside_hops(r, p, rules, from);
    case TargetKind::kHost:
      return r.ok("berth's input rules", "only 127.0.0.0/8 from berth's bridges is dropped");
    case TargetKind::kPublished:
      return published_hops(r, p, rules, from);
  }
}

}  // namespace berth::runtime::diagnose
