#include "ipam/config.h"

#include <algorithm>

#include "core/cni/args.h"
#include "core/cni/names.h"
#include "ipam/resolv_conf.h"

namespace berth::ipam {
namespace {

using nlohmann::json;

std::unexpected<Error> bad(const std::string& key, const std::string& value, std::string why) {
  return fail(Code::kInvalidConfig, "invalid " + key + " `" + value + "`", std::move(why));
}

// The `ipam` object; code 7 when missing or not an object.
Result<const json*> ipam_of(const json& request) {
  const json* ipam = cni::find_ci(request, "ipam");
  if (!ipam || ipam->is_null())
    return fail(Code::kInvalidConfig, "missing ipam", "the network config has no `ipam` object");
  if (!ipam->is_object()) return bad("ipam", ipam->dump(), "must be an object");
  return ipam;
}

// Appends every set of a JSON list of range sets.
Result<> add_sets(const json& list, const std::string& where, std::vector<RangeSet>& out) {
  if (!list.is_array()) return bad(where, list.dump(), "must be a list of range sets");
  for (size_t i = 0; i < list.size(); ++i)
    out.push_back(BERTH_TRY(RangeSet::parse(list[i], where + "[" + std::to_string(i) + "]")));
  return {};
}

Result<std::vector<RangeSet>> parse_sets(const json& request, const json& ipam) {
  std::vector<RangeSet> sets;
  if (const json* rc = cni::find_ci(request, "runtimeConfig"); rc && rc->is_object()) {
    if (const json* r = cni::find_ci(*rc, "ipRanges"); r && !r->is_null())
      BERTH_TRY(add_sets(*r, "runtimeConfig.ipRanges", sets));
  }
  // The legacy single range: host-local ignores it when `subnet` is absent or empty.
  if (const json* s = cni::find_ci(ipam, "subnet"); s && !s->is_null() && *s != "") {
    auto legacy = BERTH_TRY(parse_range(ipam, "ipam"));
    sets.push_back(BERTH_TRY(RangeSet::of({legacy}, "ipam")));
  }
  if (const json* r = cni::find_ci(ipam, "ranges"); r && !r->is_null())
    BERTH_TRY(add_sets(*r, "ipam.ranges", sets));
  if (sets.empty())
    return fail(Code::kInvalidConfig, "no IP ranges specified",
                "set ipam.ranges (a list of range sets) or ipam.subnet");
  for (size_t i = 0; i < sets.size(); ++i)
    for (size_t j = 0; j < i; ++j)
      if (sets[i].overlaps(sets[j]))
        return bad(sets[i].where(), sets[i].str(),
                   "overlaps range set " + sets[j].where() + " " + sets[j].str());
  return sets;
}

// A next hop the container can reach without another router: inside a range's subnet
// (on the link once the address is set) or a range's gateway (berth-ptp and the
// reference ptp put it on the link as a /32). The kernel refuses any other gw when the
// plugin adds the route, long after the links were made.
bool on_link(const IpAddr& gw, const std::vector<RangeSet>& sets) {
  for (const auto& set : sets)
    for (const auto& r : set.ranges())
      if (r.subnet.contains(gw) || r.gateway == gw) return true;
  return false;
}

Result<std::vector<cni::Route>> parse_routes(const json& ipam) {
  const json* r = cni::find_ci(ipam, "routes");
  if (!r || r->is_null()) return std::vector<cni::Route>();
  // Same shape as a result's routes: reuse that parser, but report code 7.
  auto parsed = cni::parse_result(json{{"routes", *r}}, "1.1.0");
  if (!parsed) return bad("ipam.routes", r->dump(), parsed.error().details);
  return parsed->routes;
}

// Each route's gw: of dst's family, and on the link (on_link()).
Result<> check_route_gateways(const std::vector<cni::Route>& routes,
                              const std::vector<RangeSet>& sets) {
  for (size_t i = 0; i < routes.size(); ++i) {
    const auto& rt = routes[i];
    if (!rt.gw) continue;  // the plugin sends it via its family's gateway
    const std::string key = "ipam.routes[" + std::to_string(i) + "].gw";
    if (rt.gw->family() != rt.dst.addr.family())
      return bad(key, rt.gw->str(), "is not of the address family of dst " + rt.dst.str());
    if (!on_link(*rt.gw, sets)) {
      std::string subnets;
      for (const auto& set : sets) subnets += (subnets.empty() ? "" : ",") + set.str();
      return bad(key, rt.gw->str(),
                 "is unreachable: it lies in no range's subnet (" + subnets +
                     ") and is no range's gateway");
    }
  }
  return {};
}

// "10.1.2.3" or "10.1.2.3/24" (the prefix is ignored); nullopt when neither.
std::optional<IpAddr> parse_requested(std::string_view text) {
  if (auto slash = text.find('/'); slash != std::string_view::npos) {
    if (!Prefix::parse(text)) return std::nullopt;
    text = text.substr(0, slash);
  }
  return IpAddr::parse(text);
}

Result<> add_ip_list(const json* list, const std::string& where, std::vector<IpAddr>& out) {
  if (!list || list->is_null()) return {};
  if (!list->is_array()) return bad(where, list->dump(), "must be a list of IP addresses");
  for (size_t i = 0; i < list->size(); ++i) {
    const json& e = (*list)[i];
    const std::string key = where + "[" + std::to_string(i) + "]";
    if (!e.is_string()) return bad(key, e.dump(), "must be a string");
    auto ip = parse_requested(e.get<std::string>());
    if (!ip) return bad(key, e.get<std::string>(), "is not an IP address");
    out.push_back(*ip);
  }
  return {};
}

}  // namespace

Result<std::string> parse_data_dir(const json& request) {
  const json* ipam = BERTH_TRY(ipam_of(request));
  const json* d = cni::find_ci(*ipam, "dataDir");
  if (!d || d->is_null() || (d->is_string() && d->get<std::string>().empty()))
    return std::string(kDefaultDataDir);
  if (!d->is_string()) return bad("ipam.dataDir", d->dump(), "must be a string");
  auto dir = d->get<std::string>();
  BERTH_TRY(cni::validate_dir_path(dir, "ipam.dataDir"));
  return dir;
}

Result<Addressing> parse_addressing(const json& request) {
  const json* ipam = BERTH_TRY(ipam_of(request));
  Addressing a;
  a.sets = BERTH_TRY(parse_sets(request, *ipam));
  a.routes = BERTH_TRY(parse_routes(*ipam));
  return a;
}

Result<IpamConfig> parse_config(const json& request) {
  const json* ipam = BERTH_TRY(ipam_of(request));
  IpamConfig c;
  c.cluster = BERTH_TRY(parse_cluster(request, *ipam));
  if (c.cluster) {
    // The blocks are the ranges, and which ones this node gets is known only at ADD.
    c.routes = BERTH_TRY(parse_routes(*ipam));
  } else {
    auto a = BERTH_TRY(parse_addressing(request));
    BERTH_TRY(check_route_gateways(a.routes, a.sets));
    c.sets = std::move(a.sets);
    c.routes = std::move(a.routes);
  }
  c.data_dir = BERTH_TRY(parse_data_dir(request));
  if (const json* rc = cni::find_ci(*ipam, "resolvConf"); rc && !rc->is_null()) {
    if (!rc->is_string()) return bad("ipam.resolvConf", rc->dump(), "must be a string");
    if (const auto& path = rc->get<std::string>(); !path.empty()) {
      BERTH_TRY(cni::validate_dir_path(path, "ipam.resolvConf"));  // absolute, no NUL, .., newline
      c.dns = BERTH_TRY(read_resolv_conf(path));
    }
  }
  return c;
}

Result<std::vector<IpAddr>> requested_ips(const json& request, std::string_view cni_args) {
  std::vector<IpAddr> ips;
  if (const json* rc = cni::find_ci(request, "runtimeConfig"); rc && rc->is_object())
    BERTH_TRY(add_ip_list(cni::find_ci(*rc, "ips"), "runtimeConfig.ips", ips));
  if (const json* args = cni::find_ci(request, "args"); args && args->is_object()) {
    if (const json* c = cni::find_ci(*args, "cni"); c && c->is_object())
      BERTH_TRY(add_ip_list(cni::find_ci(*c, "ips"), "args.cni.ips", ips));
  }
  auto env = BERTH_TRY(cni::parse_cni_args(cni_args));
  if (auto it = env.find("IP"); it != env.end()) {
    std::string_view rest = it->second;
    while (!rest.empty()) {
      auto comma = rest.find(',');
      auto item = rest.substr(0, comma);
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      if (item.empty()) continue;
      auto ip = parse_requested(item);
      if (!ip)
        return fail(Code::kInvalidEnv, "invalid CNI_ARGS IP `" + std::string(item) + "`",
                    "IP= takes addresses separated by commas");
      ips.push_back(*ip);
    }
  }
  // The same address from two sources is one request.
  std::vector<IpAddr> unique;
  for (const auto& ip : ips)
    if (std::find(unique.begin(), unique.end(), ip) == unique.end()) unique.push_back(ip);
  return unique;
}

Result<std::vector<Attachment>> valid_attachments(const json& request) {
  std::string key = "cni.dev/valid-attachments";
  auto it = request.find(key);
  if (it == request.end() || it->is_null()) {
    key = "cni.dev/attachments";
    it = request.find(key);
  }
  std::vector<Attachment> out;
  if (it == request.end() || it->is_null()) return out;
  if (!it->is_array()) return bad(key, it->dump(), "must be a list of {containerID, ifname}");
  for (size_t i = 0; i < it->size(); ++i) {
    const json& e = (*it)[i];
    const std::string where = key + "[" + std::to_string(i) + "]";
    const json* id = cni::find_ci(e, "containerID");
    const json* ifname = cni::find_ci(e, "ifname");
    if (!id || !id->is_string() || !ifname || !ifname->is_string())
      return bad(where, e.dump(), "needs string members containerID and ifname");
    out.push_back(Attachment{id->get<std::string>(), ifname->get<std::string>()});
  }
  return out;
}

}  // namespace berth::ipam
