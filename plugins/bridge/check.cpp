// CHECK: the attachment still looks as ADD left it (prevResult), and the state the
// result cannot show (IPAM lease, nftables elements: masquerade, published ports,
// isolation, MAC spoof check) is there too.
#include <algorithm>

#include "core/cni/delegate.h"
#include "core/netlink/addr_route.h"
#include "core/netlink/link.h"
#include "core/netns.h"
#include "plugins/bridge/bridge.h"
#include "plugins/bridge/config.h"

namespace berth::bridge {
namespace {

std::unexpected<Error> mismatch(const std::string& what) {
  return fail(Code::kCheckFailed, "attachment check failed", what);
}

}  // namespace

Result<> cmd_check(const cni::Request& req) {
  auto cfg = BERTH_TRY(parse_config(req));
  if (!cfg.prev_result) return fail(Code::kInvalidConfig, "required prevResult missing");
  const auto& prev = *cfg.prev_result;
  if (!cfg.ipam_type.empty()) BERTH_TRY(cni::delegate_run(req, cfg.ipam_type, "CHECK"));

  auto host = BERTH_TRY(netlink::Socket::open());
  auto br = BERTH_TRY(netlink::get_link(host, cfg.bridge));
  if (!br) return mismatch("bridge `" + cfg.bridge + "` does not exist");
  if (br->kind != "bridge") return mismatch("`" + cfg.bridge + "` is not a bridge");

  auto ns = BERTH_TRY(NetNs::open(req.env.netns));
  auto ctr = BERTH_TRY(netlink::Socket::open_in(ns));
  auto link = BERTH_TRY(netlink::get_link(ctr, req.env.ifname));
  if (!link) return mismatch("interface `" + req.env.ifname + "` is missing in the container");
  if (link->kind != "veth") return mismatch("interface `" + req.env.ifname + "` is not a veth");
  if (!link->up) return mismatch("interface `" + req.env.ifname + "` is down");
  for (const auto& i : prev.interfaces) {
    if (i.name == req.env.ifname && !i.sandbox.empty() && !i.mac.empty() && i.mac != link->mac)
      return mismatch("interface `" + i.name + "` has MAC " + link->mac + ", prevResult says " + i.mac);
  }

  const std::string veth = host_veth_name(req.env.container_id, req.env.ifname);
  auto peer = BERTH_TRY(netlink::get_link(host, veth));
  if (!peer) return mismatch("host interface `" + veth + "` is missing");
  if (peer->master != br->index) return mismatch("host interface `" + veth + "` is not a port of `" + cfg.bridge + "`");
  if (!peer->up) return mismatch("host interface `" + veth + "` is down");

  auto addrs = BERTH_TRY(netlink::list_addresses(ctr, link->index));
  std::vector<IpAddr> ips;
  for (const auto& ip : prev.ips) {
    if (std::find(addrs.begin(), addrs.end(), ip.address) == addrs.end())
      return mismatch("address `" + ip.address.str() + "` is missing on `" + req.env.ifname + "`");
    ips.push_back(ip.address.addr);
  }
  auto routes = BERTH_TRY(netlink::list_routes(ctr, link->index));
  for (const auto& r : prev.routes) {
    bool found = std::any_of(routes.begin(), routes.end(), [&](const netlink::RouteSpec& have) {
      return have.dst.network() == r.dst.network() && have.dst.len == r.dst.len && (!r.gw || have.gw == r.gw);
    });
    if (!found) return mismatch("route `" + r.dst.str() + "` is missing in the container");
  }
  FirewallNeeds fw = firewall_needs(req, cfg, br->index, veth, ips);
  if (cfg.macspoofchk) {
    fw.guard_mac = netlink::parse_mac(link->mac);
    if (!fw.guard_mac) return mismatch("interface `" + req.env.ifname + "` has no MAC address");
  }
  if (!BERTH_TRY(firewall_present(fw)))
    return mismatch(
        "nftables elements of the attachment (masquerade, published ports, isolation, MAC spoof "
        "check) are missing");
  return {};
}

}  // namespace berth::bridge
