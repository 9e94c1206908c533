// ADD: IPAM first (the container MAC derives from its IPv4 address), then the bridge, the
// veth pair born with its peer inside the container, addresses and routes in there,
// forwarding and masquerade on the host. What can be checked without the kernel is checked
// before IPAM (and IPAM's result right after it). Each step arms a rollback; a failure
// leaves nothing behind but the bridge and its gateway address (shared by the network's
// containers: another ADD may be attaching to them at this moment).
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <algorithm>

#include <spdlog/spdlog.h>

#include "core/cni/delegate.h"
#include "core/failpoint.h"
#include "core/netlink/addr_route.h"
#include "core/netlink/bridge_port.h"
#include "core/netlink/link.h"
#include "core/netns.h"
#include "core/scope_exit.h"
#include "core/sysctl.h"
#include "plugins/bridge/addressing.h"
#include "plugins/bridge/bridge.h"
#include "plugins/bridge/config.h"

namespace berth::bridge {
namespace {

using netlink::Socket;

// Docker's scheme: 02:42 followed by the four bytes of the IPv4 address.
std::optional<netlink::Mac> mac_from_ipv4(const cni::CniResult& ipam) {
  for (const auto& ip : ipam.ips) {
    if (!ip.address.addr.is_v4()) continue;
    const uint8_t* b = ip.address.addr.data();
    return netlink::Mac{0x02, 0x42, b[0], b[1], b[2], b[3]};
  }
  return std::nullopt;
}

// The gateway of each IPAM address: IPAM's, else the first host of the subnet.
void fill_gateways(cni::CniResult& ipam) {
  for (auto& ip : ipam.ips)
    if (!ip.gateway) ip.gateway = ip.address.network().next();
}

// Puts gateway/<prefix> on the bridge. Another address of the same family in the same
// subnet is replaced with forceAddress, else an error (the reference's rule). The common
// case (the gateway is already there) costs one request and no address dump.
Result<> ensure_gateway_address(const Socket& host, const netlink::LinkInfo& br, const Config& cfg,
                                const cni::IpConfig& ip) {
  Prefix want{*ip.gateway, ip.address.len};
  if (!BERTH_TRY(netlink::add_address_if_absent(host, br.index, want))) return {};
  auto have = BERTH_TRY(netlink::list_addresses(host, br.index));
  for (const auto& a : have) {
    if (a == want || a.addr.family() != want.addr.family() || !a.overlaps(want)) continue;
    if (!cfg.force_address) {
      (void)netlink::del_address(host, br.index, want);
      return fail(Code::kInvalidConfig, "bridge `" + cfg.bridge + "` already has address `" + a.str() + "`",
                  "wanted gateway `" + want.str() + "`; set forceAddress to replace it");
    }
    BERTH_TRY(netlink::del_address(host, br.index, a));
  }
  return {};
}

// Families whose default route was left to another interface (not in our result then).
struct Skipped {
  bool v4 = false, v6 = false;
  bool has(bool v4_family) const { return v4_family ? v4 : v6; }
  void set(bool v4_family) { (v4_family ? v4 : v6) = true; }
};

Result<> configure_container(const Socket& ctr, const cni::Request& req, const Config& cfg,
                             const cni::CniResult& ipam, int* ctr_index, std::string* ctr_mac,
                             Skipped* skipped) {
  auto link = BERTH_TRY(netlink::get_link(ctr, req.env.ifname));
  if (!link) return fail(Code::kNetlink, "container interface `" + req.env.ifname + "` vanished");
  *ctr_index = link->index;
  *ctr_mac = link->mac;
  BERTH_TRY(netlink::set_up(ctr, 1));  // lo is always ifindex 1 in a namespace
  // An IPv4-only network gives the container no IPv6 link-local address either (as Docker
  // does): no DAD, router solicitation or MLD report that the bridge floods to every other
  // port, a cost each ADD would otherwise add to all the containers already there.
  if (std::none_of(ipam.ips.begin(), ipam.ips.end(), [](const cni::IpConfig& ip) { return !ip.address.addr.is_v4(); }))
    BERTH_TRY(netlink::set_no_ipv6_link_local(ctr, link->index));
  for (const auto& ip : ipam.ips) BERTH_TRY(netlink::add_address(ctr, link->index, ip.address));
  BERTH_TRY(netlink::set_up(ctr, link->index));
  bool have_default4 = false, have_default6 = false;
  for (const auto& r : ipam.routes) {
    netlink::RouteSpec spec{r.dst, r.gw, link->index, r.priority, r.mtu, r.advmss, r.table, r.scope};
    if (!spec.gw) {  // a route without gw goes via the gateway of its family
      for (const auto& ip : ipam.ips)
        if (ip.address.addr.family() == r.dst.addr.family()) {
          spec.gw = ip.gateway;
          break;
        }
    }
    if (r.dst.len == 0) {
      // Another network (eth0) may own the default route already: keep it (CNI §4.1).
      (r.dst.addr.is_v4() ? have_default4 : have_default6) = true;
      if (!BERTH_TRY(netlink::add_route_if_absent(ctr, spec))) {
        spdlog::info("{}: a default route exists already; not adding {}", req.env.ifname, r.dst.str());
        skipped->set(r.dst.addr.is_v4());
      }
      continue;
    }
    BERTH_TRY(netlink::add_route(ctr, spec));
  }
  if (cfg.is_default_gateway) {
    for (const auto& ip : ipam.ips) {
      bool v4 = ip.address.addr.is_v4();
      if (v4 ? have_default4 : have_default6) continue;
      (v4 ? have_default4 : have_default6) = true;
      Prefix any{v4 ? *IpAddr::parse("0.0.0.0") : *IpAddr::parse("::"), 0};
      if (!BERTH_TRY(netlink::add_route_if_absent(ctr, {any, ip.gateway, link->index}))) {
        spdlog::info("{}: a default route exists already; isDefaultGateway adds none", req.env.ifname);
        skipped->set(v4);
      }
    }
  }
  return {};
}

// Published ports answer on 127.0.0.1 too: the host's connection is DNATed to the
// container and leaves through the bridge with source 127.0.0.1, which the kernel routes
// only where route_localnet=1 (on the outgoing interface, and on the one the reply comes
// in by: both are the bridge). ports_snat then masquerades it to the bridge's address,
// and berth's input rule drops anything else from the bridge to 127.0.0.0/8.
Result<> enable_localnet(const std::string& bridge) {
  return sysctl_set("net/ipv4/conf/" + bridge + "/route_localnet", "1");
}

}  // namespace

Result<cni::CniResult> cmd_add(const cni::Request& req) {
  auto cfg = BERTH_TRY(parse_config(req));
  if (!cfg.ipam_type.empty()) BERTH_TRY(check_ipam_config(req, cfg.ipam_type));
  auto ns = BERTH_TRY(NetNs::open(req.env.netns));
  auto self = BERTH_TRY(NetNs::current());
  if (ns.same_as(self))
    return fail(Code::kNetns, "invalid netns", "CNI_NETNS `" + req.env.netns +
                                                   "` is the host's own network namespace");
  auto ctr = BERTH_TRY(Socket::open_in(ns));
  if (BERTH_TRY(netlink::get_link(ctr, req.env.ifname)))
    return fail(Code::kInterfaceExists, "interface `" + req.env.ifname + "` already exists in the container");
  auto host = BERTH_TRY(Socket::open());

  // 1. Addresses from IPAM; released again if anything below fails.
  cni::CniResult ipam;
  if (!cfg.ipam_type.empty()) {
    ipam = BERTH_TRY(cni::delegate_add(req, cfg.ipam_type));
    if (ipam.ips.empty())
      return fail(Code::kInvalidConfig, "IPAM plugin returned missing IP config");
  }
  ScopeExit undo_ipam([&] {
    if (!cfg.ipam_type.empty()) (void)cni::delegate_run(req, cfg.ipam_type, "DEL");
  });
  failpoint("bridge.add.addresses_leased");
  BERTH_TRY(check_ipam_result(ipam, cfg.ipam_type));
  fill_gateways(ipam);

  // 2. The bridge, and the gateway addresses on it.
  auto br = BERTH_TRY(netlink::ensure_bridge(host, cfg.bridge, cfg.mtu, cfg.promisc));
  if (cfg.vlan) {
    BERTH_TRY(netlink::set_vlan_filtering(host, br.index));
    // The gateway address lives on the bridge device: put the device in the VLAN too.
    if (cfg.is_gateway)
      BERTH_TRY(netlink::set_port_vlan(host, br.index, cfg.vlan, true, !cfg.preserve_default_vlan));
  }
  failpoint("bridge.add.bridge_ready");
  if (cfg.is_gateway)
    for (const auto& ip : ipam.ips) BERTH_TRY(ensure_gateway_address(host, br, cfg, ip));
  failpoint("bridge.add.gateway_set");

  // 3. The veth pair, the container end born inside the container.
  const std::string veth = host_veth_name(req.env.container_id, req.env.ifname);
  netlink::VethSpec spec{veth, req.env.ifname, ns.fd(), cfg.mac ? cfg.mac : mac_from_ipv4(ipam), cfg.mtu,
                         br.index};
  BERTH_TRY(netlink::create_veth(host, spec));
  ScopeExit undo_veth([&] { (void)netlink::delete_link(host, veth); });
  failpoint("bridge.add.veth_created");
  auto host_link = BERTH_TRY(netlink::get_link(host, veth));
  if (!host_link) return fail(Code::kNetlink, "host interface `" + veth + "` vanished");
  BERTH_TRY(netlink::set_no_ipv6_link_local(host, host_link->index));
  if (cfg.hairpin) BERTH_TRY(netlink::set_hairpin(host, host_link->index, true));
  if (cfg.vlan)
    BERTH_TRY(netlink::set_port_vlan(host, host_link->index, cfg.vlan, false, !cfg.preserve_default_vlan));
  failpoint("bridge.add.port_configured");

  // 4. Inside the container: lo up, addresses, routes.
  int ctr_index = 0;
  std::string ctr_mac;
  Skipped skipped;
  BERTH_TRY(configure_container(ctr, req, cfg, ipam, &ctr_index, &ctr_mac, &skipped));
  failpoint("bridge.add.container_configured");

  // 5. Host: forwarding, then berth's nftables elements (masquerade, published ports,
  // hairpin, isolation, MAC spoof check) in one transaction.
  if (cfg.is_gateway) {
    for (const auto& ip : ipam.ips)
      BERTH_TRY(sysctl_set(ip.address.addr.is_v4() ? "net/ipv4/ip_forward" : "net/ipv6/conf/all/forwarding", "1"));
  }
  std::vector<IpAddr> addrs;
  for (const auto& ip : ipam.ips) addrs.push_back(ip.address.addr);
  FirewallNeeds fw = firewall_needs(req, cfg, br.index, veth, std::move(addrs));
  if (cfg.macspoofchk) {
    // The MAC the kernel reports for the container's interface, whatever chose it.
    fw.guard_mac = netlink::parse_mac(ctr_mac);
    if (!fw.guard_mac)
      return fail(Code::kNetlink,
                  "container interface `" + req.env.ifname + "` has no MAC address");
  }
  if (!cfg.ports.empty() && std::any_of(fw.addrs.begin(), fw.addrs.end(), [](const IpAddr& a) { return a.is_v4(); }))
    BERTH_TRY(enable_localnet(cfg.bridge));
  failpoint("bridge.add.forwarding_on");
  bool fw_added = false;
  ScopeExit undo_fw([&] {
    if (fw_added) (void)firewall_remove(fw.network, fw.bridge, fw.tag);
  });
  fw_added = true;
  BERTH_TRY(firewall_add(fw));
  failpoint("bridge.add.firewall_committed");
  forget_stale_flows(cfg.ports);

  // 6. The result: bridge, host veth, container interface; addresses on interface 2.
  cni::CniResult r;
  r.interfaces.push_back({cfg.bridge, br.mac});
  r.interfaces.push_back({veth, host_link->mac});
  cni::Interface ci{req.env.ifname, ctr_mac};
  ci.sandbox = req.env.netns;
  if (cfg.mtu) ci.mtu = cfg.mtu;
  r.interfaces.push_back(ci);
  for (auto ip : ipam.ips) {
    ip.interface = 2;
    r.ips.push_back(ip);
  }
  for (const auto& rt : ipam.routes)
    if (!(rt.dst.len == 0 && skipped.has(rt.dst.addr.is_v4()))) r.routes.push_back(rt);
  if (cfg.is_default_gateway) {
    for (const auto& ip : ipam.ips) {
      bool v4 = ip.address.addr.is_v4();
      bool has = false;
      for (const auto& rt : r.routes) has |= rt.dst.len == 0 && rt.dst.addr.is_v4() == v4;
      if (!has && !skipped.has(v4)) r.routes.push_back({Prefix{v4 ? *IpAddr::parse("0.0.0.0") : *IpAddr::parse("::"), 0}, ip.gateway});
    }
  }
  r.dns = cfg.dns.empty() ? ipam.dns : cfg.dns;
  failpoint("bridge.add.result_ready");
  undo_fw.dismiss();
  undo_veth.dismiss();
  undo_ipam.dismiss();
  spdlog::info("ADD {} {}: {} on {}", req.env.container_id, req.env.ifname, veth, cfg.bridge);
  return r;
}

}  // namespace berth::bridge
