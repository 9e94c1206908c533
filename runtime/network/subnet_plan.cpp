#include "runtime/network/subnet_plan.h"

#include "runtime/network/pool.h"

namespace berth::runtime::net {
namespace {

std::unexpected<Error> invalid(const std::string& msg, std::string details = {}) {
  return fail(Code::kInvalidConfig, msg, std::move(details));
}

Result<Prefix> parse_cidr(const std::string& text, const char* what) {
  auto p = Prefix::parse(text);
  if (!p)
    return invalid(std::string("invalid ") + what + " `" + text + "`",
                   "expected an address/prefix, e.g. 10.1.0.0/16");
  return *p;
}

Result<> check_free(const Prefix& p, std::span<const TakenSubnet> networks) {
  for (const auto& t : networks)
    if (t.subnet.overlaps(p))
      return invalid("subnet `" + p.str() + "` overlaps network `" + t.network + "`",
                     "`" + t.network + "` uses " + t.subnet.str());
  return {};
}

// Index of the subnet containing `p` (all of it), or an error naming `what`.
Result<size_t> owner(const std::vector<SubnetPlan>& plans, const Prefix& p,
                     const std::string& what) {
  for (size_t i = 0; i < plans.size(); ++i)
    if (plans[i].subnet.contains(p.addr) && p.len >= plans[i].subnet.len) return i;
  return invalid(what + " is in none of the network's subnets");
}

}  // namespace

Result<std::vector<SubnetPlan>> plan_subnets(const CreateOptions& opts, const std::string& id,
                                             std::span<const TakenSubnet> networks,
                                             std::span<const Prefix> host_routes) {
  if (opts.subnets.empty() && !(opts.gateways.empty() && opts.ip_ranges.empty()))
    return invalid("--gateway and --ip-range need --subnet");
  std::vector<SubnetPlan> plans;
  for (const auto& text : opts.subnets) {
    Prefix p = BERTH_TRY(parse_cidr(text, "subnet"));
    if (!p.is_network())
      return invalid("invalid subnet `" + text + "`",
                     "it has host bits set; the network is " + Prefix{p.network(), p.len}.str());
    if (p.len > p.addr.bits() - 2)
      return invalid("subnet `" + text + "` is too small", "use at most /30 or /126");
    for (const auto& other : plans)
      if (other.subnet.overlaps(p))
        return invalid("subnets `" + other.subnet.str() + "` and `" + text + "` overlap");
    BERTH_TRY(check_free(p, networks));
    plans.push_back({p, p.addr.next(), std::nullopt});
  }

  std::vector<Prefix> taken(host_routes.begin(), host_routes.end());
  for (const auto& t : networks) taken.push_back(t.subnet);
  auto has_family = [&](bool v4) {
    for (const auto& p : plans)
      if (p.subnet.addr.is_v4() == v4) return true;
    return false;
  };
  if (!has_family(true)) {
    auto p = pick_subnet(taken);
    if (!p)
      return invalid("no free subnet left in the default address pools", "give one with --subnet");
    plans.insert(plans.begin(), {*p, p->addr.next(), std::nullopt});
  }
  if (opts.ipv6 && !has_family(false)) {
    auto p = pick_subnet_v6(id, taken);
    if (!p) return invalid("no free IPv6 subnet found", "give one with --subnet");
    plans.push_back({*p, p->addr.next(), std::nullopt});
  }

  std::vector<bool> gw_set(plans.size()), range_set(plans.size());
  for (const auto& text : opts.gateways) {
    auto ip = IpAddr::parse(text);
    if (!ip) return invalid("invalid gateway `" + text + "`", "expected an IP address");
    size_t i = BERTH_TRY(owner(plans, {*ip, ip->bits()}, "gateway `" + text + "`"));
    const Prefix& s = plans[i].subnet;
    if (*ip == s.network() || (ip->is_v4() && *ip == s.last()))
      return invalid("gateway `" + text + "` is the network or broadcast address of " + s.str());
    if (gw_set[i]) return invalid("two gateways for subnet `" + s.str() + "`");
    gw_set[i] = true;
    plans[i].gateway = *ip;
  }
  for (const auto& text : opts.ip_ranges) {
    Prefix r = BERTH_TRY(parse_cidr(text, "ip range"));
    if (!r.is_network()) return invalid("invalid ip range `" + text + "`", "it has host bits set");
    size_t i = BERTH_TRY(owner(plans, r, "ip range `" + text + "`"));
    if (range_set[i]) return invalid("two ip ranges for subnet `" + plans[i].subnet.str() + "`");
    range_set[i] = true;
    plans[i].ip_range = r;
  }
  return plans;
}

}  // namespace berth::runtime::net
