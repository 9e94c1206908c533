#include "runtime/network/network_config.h"

#include "core/cni/types.h"

namespace berth::runtime::net {

using nlohmann::json;

namespace {

// berth-ipam (like host-local) hands out rangeStart..rangeEnd; an --ip-range narrows it,
// never onto the network address or the IPv4 broadcast.
json range_json(const SubnetPlan& p) {
  json r = {{"subnet", p.subnet.str()}, {"gateway", p.gateway.str()}};
  if (p.ip_range) {
    // The range's first address is skipped as a subnet's network address is, so that a
    // /24 range hands out .1 first.
    const Prefix& range = *p.ip_range;
    IpAddr start =
        std::max(range.len < range.addr.bits() ? range.network().next() : range.network(),
                 p.subnet.network().next());
    IpAddr end = range.last();
    if (p.subnet.addr.is_v4()) end = std::min(end, p.subnet.last().plus(-1));
    r["rangeStart"] = start.str();
    r["rangeEnd"] = end.str();
  }
  return r;
}

bool bool_of(const json& obj, const char* key, bool fallback) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_boolean() ? it->get<bool>() : fallback;
}

std::string str_of(const json& obj, const char* key, const std::string& fallback = {}) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : fallback;
}

const json* bridge_entry(const json& conf) {
  auto plugins = conf.find("plugins");
  if (plugins == conf.end() || !plugins->is_array()) return nullptr;
  for (const auto& p : *plugins)
    if (p.is_object() && str_of(p, "type") == "berth-bridge") return &p;
  return nullptr;
}

}  // namespace

std::string bridge_name_for(const std::string& id) { return "br-" + id.substr(0, 12); }

json make_conflist(const NetworkSpec& spec) {
  json ranges = json::array(), routes = json::array(), ip_ranges = json::array();
  bool v4 = false, v6 = false;
  for (const auto& p : spec.subnets) {
    ranges.push_back(json::array({range_json(p)}));
    (p.subnet.addr.is_v4() ? v4 : v6) = true;
    if (p.ip_range) ip_ranges.push_back(p.ip_range->str());
  }
  if (!spec.internal) {
    if (v4) routes.push_back({{"dst", "0.0.0.0/0"}});
    if (v6) routes.push_back({{"dst", "::/0"}});
  }
  json ipam = {{"type", "berth-ipam"}, {"ranges", ranges}};
  if (!routes.empty()) ipam["routes"] = routes;
  if (!spec.ipam_data_dir.empty()) ipam["dataDir"] = spec.ipam_data_dir;

  json bridge = {{"type", "berth-bridge"},
                 {"bridge", spec.bridge},
                 {"isGateway", true},
                 {"hairpinMode", true},
                 {"capabilities", {{"portMappings", true}, {"ips", true}, {"mac", true}}},
                 {"ipam", ipam}};
  if (!spec.internal) {
    bridge["isDefaultGateway"] = true;
    bridge["ipMasq"] = true;
  } else {
    bridge["internal"] = true;
  }
  if (!spec.icc) bridge["icc"] = false;

  json conf = {{"cniVersion", "1.1.0"},
               {"name", spec.name},
               {kIdKey, spec.id},
               {"plugins", json::array({bridge})}};
  if (!ip_ranges.empty()) conf[kIpRangesKey] = ip_ranges;
  return conf;
}

Result<NetworkInfo> info_from_conflist(const json& conf) {
  NetworkInfo info;
  info.name = str_of(conf, "name");
  auto id = conf.find(kIdKey);
  if (id == conf.end() || !id->is_string())
    return fail(Code::kInvalidConfig, "network `" + info.name + "` has no `" + kIdKey + "`",
                "not written by berth");
  info.id = *id;
  const json* br = bridge_entry(conf);
  if (!br)
    return fail(Code::kInvalidConfig, "network `" + info.name + "` has no berth-bridge plugin");
  info.driver = "bridge";
  info.bridge = str_of(*br, "bridge", kDefaultBridge);
  info.internal = bool_of(*br, "internal", false);
  info.icc = bool_of(*br, "icc", true);
  info.conflist = conf;
  if (auto ipr = conf.find(kIpRangesKey); ipr != conf.end() && ipr->is_array())
    for (const auto& r : *ipr)
      if (r.is_string()) info.ip_ranges.push_back(r);
  const json* ipam = cni::find_ci(*br, "ipam");
  const json* ranges = ipam ? cni::find_ci(*ipam, "ranges") : nullptr;
  if (!ranges || !ranges->is_array()) return info;
  for (const auto& set : *ranges) {
    if (!set.is_array() || set.empty() || !set[0].is_object()) continue;
    auto subnet = Prefix::parse(str_of(set[0], "subnet"));
    if (!subnet) continue;
    info.subnets.push_back(*subnet);
    auto gw = IpAddr::parse(str_of(set[0], "gateway"));
    info.gateways.push_back(gw ? *gw : subnet->network().next());
  }
  return info;
}

}  // namespace berth::runtime::net
