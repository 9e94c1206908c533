#include "runtime/network/inspect_json.h"

namespace berth::runtime::net {

using nlohmann::json;

json inspect_json(const NetworkInfo& info, const std::vector<Networks::Endpoint>& endpoints) {
  json config = json::array();
  bool ipv6 = false;
  for (size_t i = 0; i < info.subnets.size(); ++i) {
    const Prefix& s = info.subnets[i];
    ipv6 |= !s.addr.is_v4();
    json c = {{"Subnet", s.str()}};
    if (i < info.gateways.size()) c["Gateway"] = info.gateways[i].str();
    for (const auto& r : info.ip_ranges)
      if (auto p = Prefix::parse(r); p && s.contains(p->addr)) c["IPRange"] = r;
    config.push_back(std::move(c));
  }
  json containers = json::object();
  for (const auto& e : endpoints) {
    json c = {{"Name", e.container_name},
              {"MacAddress", e.attachment.mac},
              {"IPv4Address", ""},
              {"IPv6Address", ""}};
    for (const auto& a : e.attachment.addresses) {
      auto& slot = c[a.addr.is_v4() ? "IPv4Address" : "IPv6Address"];
      if (slot == "") slot = a.str();
    }
    containers[e.container_id] = std::move(c);
  }
  return {{"Name", info.name},
          {"Id", info.id},
          {"Scope", "local"},
          {"Driver", info.driver},
          {"EnableIPv6", ipv6},
          {"IPAM", {{"Driver", "berth-ipam"}, {"Config", config}}},
          {"Internal", info.internal},
          {"Options",
           {{"com.docker.network.bridge.name", info.bridge},
            {"com.docker.network.bridge.enable_icc", info.icc ? "true" : "false"}}},
          {"Containers", containers}};
}

}  // namespace berth::runtime::net
