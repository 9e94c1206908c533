// The host's switches on the path: forwarding between interfaces, and bridge netfilter.
// /proc/sys/net is read in this process's namespace, which is the host's.
#include "core/sysctl.h"
#include "runtime/diagnose/hops.h"

namespace berth::runtime::diagnose {

namespace {

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// Whether packets of this path are routed from one interface of the host to another
// (container to another network or the outside; clients of a published port).
bool routed(const Path& p) {
  switch (p.kind) {
    case TargetKind::kOutside:
    case TargetKind::kPublished:
      return true;
    case TargetKind::kHost:
      return false;
    case TargetKind::kContainer:
      return p.to && p.to->net.bridge != p.from.net.bridge;
  }
  return false;
}

}  // namespace

void forwarding_hop(Report& r, const Path& p) {
  bool v6 = (p.dst && !p.dst->is_v4()) || (!p.dst && p.from.addr && !p.from.addr->is_v4());
  std::string key = v6 ? "net/ipv6/conf/all/forwarding" : "net/ipv4/ip_forward";
  std::string name = v6 ? "ipv6 forwarding" : "ip_forward";
  auto value = sysctl_get(key);
  if (!value) return r.unknown(name, value.error().what());
  std::string v = trimmed(*value);
  if (!routed(p)) return r.ok(name, v + " (not needed: the path is not routed through the host)");
  if (v != "1")
    return r.problem(name, v,
                     name + " is off on the host" +
                         (p.kind == TargetKind::kPublished
                              ? std::string(": published ports answer only the host itself")
                              : std::string()));
  r.ok(name, v);
}

void bridge_netfilter_hop(Report& r) {
  auto v4 = sysctl_get("net/bridge/bridge-nf-call-iptables");
  if (!v4)
    return r.ok("bridge netfilter", "br_netfilter not loaded: bridged frames skip inet rules");
  auto v6 = sysctl_get("net/bridge/bridge-nf-call-ip6tables");
  r.ok("bridge netfilter", "bridge-nf-call-iptables=" + trimmed(*v4) +
                               ", bridge-nf-call-ip6tables=" + (v6 ? trimmed(*v6) : "?"));
}

}  // namespace berth::runtime::diagnose
