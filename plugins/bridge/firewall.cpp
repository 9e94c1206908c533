// berth-bridge's nftables state through berth_nft: masquerade, published ports, bridge
// membership (hairpin), isolation and MAC spoof checking, all as tagged elements of berth's
// fixed rules (never a rule per container), so DEL and GC find them by tag without knowing
// addresses, ports or MACs.
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <algorithm>

#include "core/netlink/link.h"
#include "core/nft/firewall.h"
#include "plugins/bridge/bridge.h"
#include "plugins/bridge/config.h"

namespace berth::bridge {
namespace {

// One mapping per published port and container address family: a mapping bound to a host
// address goes only to the container address of that family.
std::vector<nft::PortMapping> port_mappings(const FirewallNeeds& n) {
  std::vector<nft::PortMapping> out;
  for (int family : {AF_INET, AF_INET6}) {
    auto addr = std::find_if(n.addrs.begin(), n.addrs.end(), [&](const IpAddr& a) { return a.family() == family; });
    if (addr == n.addrs.end()) continue;
    for (const auto& p : n.ports) {
      if (p.host_ip && p.host_ip->family() != family) continue;
      out.push_back({p.host_ip.value_or(IpAddr()), p.protocol, p.host_port, *addr, p.container_port, n.tag});
    }
  }
  return out;
}

nft::Elements elements(const FirewallNeeds& n) {
  nft::Elements e;
  for (const auto& a : n.addrs) {
    if (n.masquerade && !n.internal) e.masq.push_back({a, n.bridge_index, n.tag});
    if (n.gateway) e.members.push_back({a, n.bridge_index, n.tag});
  }
  e.ports = port_mappings(n);
  e.bridges.push_back({n.bridge, n.internal, bridge_tag(n.bridge)});
  if (!n.icc) e.icc_ports.push_back({n.host_veth, n.tag});
  if (n.guard_mac) e.mac_guards.push_back({n.host_veth, *n.guard_mac, n.tag});
  return e;
}

// Whether a veth port of `bridge` belongs to an attachment that still has elements (a tag
// in `remaining`), of any network on that bridge. A veth whose attachment's elements are
// gone does not count: its DEL removes it right after (or a GC does). On a netlink failure
// the bridge counts as in use: a leftover element goes with a later DEL or GC, a missing
// one would open the bridge to the others.
bool bridge_in_use(const std::string& bridge, const std::set<std::string>& remaining) {
  std::set<std::string> live;
  for (const auto& t : remaining)
    if (auto veth = host_veth_of_tag(t); !veth.empty()) live.insert(veth);
  auto ports = [&]() -> Result<std::vector<netlink::LinkInfo>> {
    auto host = BERTH_TRY(netlink::Socket::open());
    auto br = BERTH_TRY(netlink::get_link(host, bridge));
    if (!br) return std::vector<netlink::LinkInfo>{};
    return netlink::list_ports(host, br->index);
  }();
  if (!ports) {
    spdlog::warn("bridge `{}` counts as in use: {}", bridge, ports.error().what());
    return true;
  }
  return std::any_of(ports->begin(), ports->end(), [&](const netlink::LinkInfo& p) {
    return p.kind == "veth" && live.contains(p.name);
  });
}

// The bridge's own elements (tag: bridge_tag()) go when no container with elements is
// left on the bridge, of this network or of any other one sharing it (a conflist without
// `bridge` shares berth0 with the runtime's default network): the ruleset returns to what
// it was, and a network that leaves never takes the isolation of a bridge still in use.
// Runs under the nftables lock. A concurrent ADD on the bridge has either committed (its
// tags are in `remaining`) or adds the elements again after us.
// Elements tagged with the network's name (what berth wrote before) go the same way.
nft::Firewall::AlsoRemove bridge_when_unused(const std::string& network,
                                             const std::string& bridge) {
  return [=](const std::set<std::string>& remaining) {
    const std::string prefix = network + " ";
    for (const auto& t : remaining)
      if (t.compare(0, prefix.size(), prefix) == 0) return std::set<std::string>{};
    if (bridge_in_use(bridge, remaining)) return std::set<std::string>{};
    return std::set<std::string>{network, bridge_tag(bridge)};
  };
}

}  // namespace

std::string bridge_tag(const std::string& bridge) { return "@" + bridge; }

FirewallNeeds firewall_needs(const cni::Request& req, const Config& cfg, int bridge_index,
                             const std::string& host_veth, std::vector<IpAddr> addrs) {
  return {.network = req.name,
          .tag = attachment_tag(req.name, req.env.container_id, req.env.ifname),
          .bridge = cfg.bridge,
          .bridge_index = bridge_index,
          .host_veth = host_veth,
          .addrs = std::move(addrs),
          .gateway = cfg.is_gateway,
          .masquerade = cfg.ip_masq,
          .internal = cfg.internal,
          .icc = cfg.icc,
          .ports = cfg.ports};
}

Result<> firewall_add(const FirewallNeeds& needs) {
  auto fw = BERTH_TRY(nft::Firewall::open(kNftLock));
  return fw.add(elements(needs));
}

Result<bool> firewall_present(const FirewallNeeds& needs) {
  auto fw = BERTH_TRY(nft::Firewall::open(kNftLock));
  return fw.contains(elements(needs));
}

Result<size_t> firewall_remove(const std::string& network, const std::string& bridge,
                               const std::string& tag,
                               const std::function<void(int nft_fd)>& meanwhile) {
  auto fw = nft::Firewall::open(kNftLock);
  if (!fw) {
    if (meanwhile) meanwhile(-1);
    return std::unexpected(fw.error());
  }
  auto n = fw->remove_by_tag([&](std::string_view t) { return t == tag; },
                             bridge_when_unused(network, bridge));
  if (meanwhile) meanwhile(fw->socket_fd());
  return n;
}  // Closing the socket here waits for nf_tables to free what the batch deleted.

Result<size_t> firewall_gc(const std::string& network, const std::string& bridge,
                           const std::set<std::string>& keep) {
  auto fw = BERTH_TRY(nft::Firewall::open(kNftLock));
  const std::string prefix = network + " ";
  auto n = BERTH_TRY(fw.remove_by_tag(
      [&](std::string_view t) {
        return t.substr(0, prefix.size()) == prefix && !keep.count(std::string(t));
      },
      bridge_when_unused(network, bridge)));
  BERTH_TRY(fw.remove_table_if_unused());
  return n;
}

Result<std::set<std::string>> other_networks_veths(const std::string& network) {
  auto fw = BERTH_TRY(nft::Firewall::open(kNftLock));
  const std::string prefix = network + " ";
  std::set<std::string> out;
  for (const auto& t : BERTH_TRY(fw.tags()))
    if (t.compare(0, prefix.size(), prefix) != 0)
      if (auto veth = host_veth_of_tag(t); !veth.empty()) out.insert(veth);
  return out;
}

}  // namespace berth::bridge
