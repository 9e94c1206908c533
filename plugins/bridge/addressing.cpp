// What berth-bridge needs of its addresses, checked before anything is made. A container on
// a bridge reaches the world only through the bridge: its gateway, and every route's next
// hop, must be on that link, i.e. inside the subnet of one of its addresses. The kernel
// refuses anything else, but only at the route step, after the bridge and the veth exist.
#include "plugins/bridge/addressing.h"

#include "ipam/config.h"

namespace berth::bridge {
namespace {

// The IPAM plugins whose `ipam` object is host-local's: berth-ipam's parser reads it.
bool host_local_schema(const std::string& type) {
  return type == "berth-ipam" || type == "host-local";
}

std::unexpected<Error> off_link(const std::string& key, const IpAddr& ip, const std::string& why) {
  return fail(Code::kInvalidConfig, "invalid " + key + " `" + ip.str() + "`",
              why + "; a berth-bridge container reaches only addresses on its bridge");
}

}  // namespace

Result<> check_ipam_config(const cni::Request& req, const std::string& ipam_type) {
  if (!host_local_schema(ipam_type)) return {};
  auto parsed = ipam::parse_addressing(req.config);
  // berth-ipam refuses a bad range itself, as does host-local, each in its own words.
  if (!parsed) return {};
  std::vector<Prefix> subnets;
  for (const auto& set : parsed->sets)
    for (const auto& r : set.ranges()) {
      // host-local and berth-ipam accept such a gateway (berth-ptp puts it on its link as
      // a /32); a bridge would put it on the bridge with the subnet's prefix and route
      // the container's default route to an address it cannot reach.
      if (!r.subnet.contains(r.gateway))
        return off_link(r.key + ".gateway", r.gateway, "it is outside subnet " + r.subnet.str());
      subnets.push_back(r.subnet);
    }
  for (size_t i = 0; i < parsed->routes.size(); ++i) {
    const auto& gw = parsed->routes[i].gw;
    if (!gw) continue;
    bool reachable = false;
    for (const auto& s : subnets) reachable |= s.contains(*gw);
    if (!reachable)
      return off_link("ipam.routes[" + std::to_string(i) + "].gw", *gw,
                      "it lies in no range's subnet");
  }
  return {};
}

Result<> check_ipam_result(const cni::CniResult& ipam, const std::string& ipam_type) {
  const std::string from = "IPAM plugin `" + ipam_type + "` returned ";
  for (size_t i = 0; i < ipam.ips.size(); ++i) {
    const auto& ip = ipam.ips[i];
    const std::string key = from + "ips[" + std::to_string(i) + "].gateway";
    if (!ip.gateway) continue;
    if (!ip.address.contains(*ip.gateway))
      return off_link(key, *ip.gateway, "it is outside " + ip.address.str());
    if (*ip.gateway == ip.address.addr)
      return fail(Code::kInvalidConfig, "invalid " + key + " `" + ip.gateway->str() + "`",
                  "it is the container's own address");
  }
  for (size_t i = 0; i < ipam.routes.size(); ++i) {
    const auto& gw = ipam.routes[i].gw;
    if (!gw) continue;
    bool reachable = false;
    for (const auto& ip : ipam.ips) reachable |= ip.address.contains(*gw);
    if (!reachable)
      return off_link(from + "routes[" + std::to_string(i) + "].gw", *gw,
                      "it lies in the subnet of none of the container's addresses");
  }
  return {};
}

}  // namespace berth::bridge
