#include "runtime/network/attachment.h"

#include "core/cni/types.h"
#include "runtime/network/plugin_request.h"

namespace berth::runtime::net {

Attachment attachment_from(const CacheEntry& entry) {
  Attachment a;
  a.network = entry.network;
  a.ifname = entry.ifname;
  a.result = entry.result;
  a.ports = ports_from_capability_args(entry.capability_args);
  auto r = cni::parse_result(entry.result, "1.1.0");
  if (!r) return a;
  // The container interface: named ifname with a sandbox; IPAM-only results have none,
  // and then every address is the container's.
  std::optional<int> index;
  for (size_t i = 0; i < r->interfaces.size(); ++i) {
    const auto& itf = r->interfaces[i];
    if (itf.sandbox.empty()) continue;
    if (!index || itf.name == entry.ifname) index = int(i);
    if (itf.name == entry.ifname) break;
  }
  if (index) a.mac = r->interfaces[size_t(*index)].mac;
  for (const auto& ip : r->ips) {
    if (index && ip.interface && *ip.interface != *index) continue;
    a.addresses.push_back(ip.address);
    if (ip.gateway) a.gateways.push_back(*ip.gateway);
  }
  return a;
}

std::string container_name_of(const CacheEntry& entry) {
  for (const auto& [k, v] : entry.cni_args)
    if (k == "K8S_POD_NAME") return v;
  return {};
}

}  // namespace berth::runtime::net
