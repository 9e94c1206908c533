// runtimeConfig.portMappings for berth-bridge: parsing and validation, and forgetting the
// tracked flows a re-published UDP port would otherwise keep. The clients differ in
// spelling (containerd's go-cni marshals Go structs without JSON tags: HostPort,
// ContainerPort, Protocol, HostIP; podman omits an empty hostIP), so keys and protocol
// names are matched in any case.
#include <netinet/in.h>

#include <algorithm>
#include <cctype>

#include <spdlog/spdlog.h>

#include "core/cni/types.h"
#include "core/netlink/conntrack.h"
#include "plugins/bridge/config.h"

namespace berth::bridge {
namespace {

using nlohmann::json;

std::unexpected<Error> bad(size_t i, const std::string& why) {
  return fail(Code::kInvalidConfig, "invalid runtimeConfig.portMappings[" + std::to_string(i) + "]", why);
}

Result<uint16_t> port(const json& entry, size_t i, const char* key) {
  const json* v = cni::find_ci(entry, key);
  if (!v || !v->is_number_integer() || v->get<int64_t>() < 1 || v->get<int64_t>() > 65535)
    return bad(i, std::string("`") + key + "` must be a number from 1 to 65535");
  return v->get<uint16_t>();
}

}  // namespace

Result<std::vector<PortSpec>> parse_port_mappings(const json& list) {
  std::vector<PortSpec> out;
  if (list.is_null()) return out;
  if (!list.is_array())
    return fail(Code::kInvalidConfig, "invalid runtimeConfig.portMappings", "it must be a list");
  for (size_t i = 0; i < list.size(); ++i) {
    const json& e = list[i];
    if (!e.is_object()) return bad(i, "each mapping must be an object");
    PortSpec p;
    p.host_port = BERTH_TRY(port(e, i, "hostPort"));
    p.container_port = BERTH_TRY(port(e, i, "containerPort"));
    std::string proto = "tcp";
    if (const json* v = cni::find_ci(e, "protocol"); v && !v->is_null()) {
      if (!v->is_string()) return bad(i, "`protocol` must be a string");
      if (!v->get<std::string>().empty()) proto = v->get<std::string>();
    }
    std::transform(proto.begin(), proto.end(), proto.begin(), [](unsigned char c) { return std::tolower(c); });
    if (proto == "tcp") p.protocol = IPPROTO_TCP;
    else if (proto == "udp") p.protocol = IPPROTO_UDP;
    else if (proto == "sctp") p.protocol = IPPROTO_SCTP;
    else return bad(i, "`protocol` `" + proto + "` is not tcp, udp or sctp");
    if (const json* v = cni::find_ci(e, "hostIP"); v && !v->is_null()) {
      if (!v->is_string()) return bad(i, "`hostIP` must be a string");
      const std::string text = v->get<std::string>();
      if (!text.empty()) {
        auto ip = IpAddr::parse(text);
        if (!ip) return bad(i, "`hostIP` `" + text + "` is not an IP address");
        // The unspecified addresses mean what an empty hostIP means: every address.
        if (*ip != *IpAddr::parse("0.0.0.0") && *ip != *IpAddr::parse("::")) p.host_ip = ip;
      }
    }
    if (std::find(out.begin(), out.end(), p) == out.end()) out.push_back(p);
  }
  return out;
}

void forget_stale_flows(const std::vector<PortSpec>& ports) {
  std::vector<netlink::FlowMatch> matches;
  for (const auto& p : ports)
    if (p.protocol != IPPROTO_TCP)  // a new TCP connection is a new flow anyway
      matches.push_back({.protocol = p.protocol, .dst_port = p.host_port, .dst = p.host_ip});
  auto gone = netlink::forget_flows(matches);
  if (!gone) spdlog::warn("published ports: {}", gone.error().what());
  else if (*gone) spdlog::debug("published ports: forgot {} tracked flows", *gone);
}

}  // namespace berth::bridge
