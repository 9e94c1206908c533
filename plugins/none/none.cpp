// ADD sets `lo` up and reports it (or passes a prevResult through); DEL leaves the
// namespace alone; CHECK verifies `lo` is up and still has the reported addresses.
#include "plugins/none/none.h"

#include <linux/rtnetlink.h>

#include <algorithm>

#include <spdlog/spdlog.h>

#include "core/cni/args.h"
#include "core/netlink/addr_extra.h"
#include "core/netlink/link.h"
#include "core/netns.h"

namespace berth::none {
namespace {

Result<std::optional<cni::CniResult>> prev_result(const cni::Request& req) {
  auto p = req.config.find("prevResult");
  if (p == req.config.end() || p->is_null()) return std::optional<cni::CniResult>();
  auto r = cni::parse_result(*p, req.version);
  if (!r) return std::unexpected(r.error().wrap("prevResult"));
  return std::optional<cni::CniResult>(std::move(*r));
}

bool is_loopback(const IpAddr& a) {
  static const auto v4 = *Prefix::parse("127.0.0.0/8");
  static const auto v6 = *IpAddr::parse("::1");
  return a.is_v4() ? v4.contains(a) : a == v6;
}

// Opens CNI_NETNS, refusing the plugin's own namespace (the host's), and returns a
// netlink socket inside it together with `lo`.
Result<std::pair<netlink::Socket, netlink::LinkInfo>> open_lo(const cni::Request& req) {
  auto ns = BERTH_TRY(NetNs::open(req.env.netns));
  if (ns.same_as(BERTH_TRY(NetNs::current())))
    return fail(Code::kNetns, "invalid netns", "CNI_NETNS `" + req.env.netns + "` is the host's own network namespace");
  auto s = BERTH_TRY(netlink::Socket::open_in(ns));
  auto lo = BERTH_TRY(netlink::get_link(s, "lo"));
  if (!lo) return fail(Code::kNetns, "invalid netns", "no `lo` in `" + req.env.netns + "`");
  return std::pair{std::move(s), std::move(*lo)};
}

Result<std::vector<Prefix>> lo_addresses(const netlink::Socket& s, int index) {
  std::vector<Prefix> out;
  for (const auto& a : BERTH_TRY(netlink::list_all_addresses(s)))
    if (a.index == index) out.push_back(a.addr);
  return out;
}

}  // namespace

Result<cni::CniResult> cmd_add(const cni::Request& req) {
  BERTH_TRY(cni::parse_cni_args(req.env.args));
  auto prev = BERTH_TRY(prev_result(req));
  auto [s, lo] = BERTH_TRY(open_lo(req));
  // Same rule as the reference loopback: a `lo` someone gave a real address is not ours.
  for (const auto& a : BERTH_TRY(lo_addresses(s, lo.index)))
    if (!is_loopback(a.addr))
      return fail(Code::kNetns, "lo has a non-loopback address", "`" + a.str() + "` on `lo` in `" + req.env.netns + "`");
  BERTH_TRY(netlink::set_up(s, lo.index));
  spdlog::info("ADD {}: lo up in {}", req.env.container_id, req.env.netns);
  if (prev) return *prev;  // a chained call changes nothing the result can show

  cni::CniResult r;
  cni::Interface i{"lo", "00:00:00:00:00:00"};
  i.sandbox = req.env.netns;
  r.interfaces.push_back(i);
  // The kernel puts 127.0.0.1/8 and ::1/128 on `lo` when it comes up; report the first
  // of each family, as the reference does (no ::1 when IPv6 is off in there).
  bool v4 = false, v6 = false;
  for (const auto& a : BERTH_TRY(lo_addresses(s, lo.index))) {
    bool& seen = a.addr.is_v4() ? v4 : v6;
    if (seen) continue;
    seen = true;
    r.ips.push_back({a, std::nullopt, 0});
  }
  std::stable_sort(r.ips.begin(), r.ips.end(),
                   [](const cni::IpConfig& x, const cni::IpConfig& y) { return x.address.addr.is_v4() > y.address.addr.is_v4(); });
  return r;
}

Result<> cmd_del(const cni::Request&) {
  // Nothing was created, so nothing is removed: `lo` stays as it is, and an empty or
  // vanished CNI_NETNS is fine (containerd's second DEL).
  return {};
}

Result<> cmd_check(const cni::Request& req) {
  auto prev = BERTH_TRY(prev_result(req));
  auto [s, lo] = BERTH_TRY(open_lo(req));
  if (!lo.up) return fail(Code::kCheckFailed, "loopback check failed", "`lo` is down in `" + req.env.netns + "`");
  if (!prev) return {};
  auto have = BERTH_TRY(lo_addresses(s, lo.index));
  for (const auto& ip : prev->ips) {
    if (!ip.interface || size_t(*ip.interface) >= prev->interfaces.size()) continue;
    const auto& iface = prev->interfaces[size_t(*ip.interface)];
    if (iface.name != "lo" || iface.sandbox.empty()) continue;  // another plugin's interface
    if (std::find(have.begin(), have.end(), ip.address) == have.end())
      return fail(Code::kCheckFailed, "loopback check failed", "address `" + ip.address.str() + "` is missing on `lo`");
  }
  return {};
}

}  // namespace berth::none
