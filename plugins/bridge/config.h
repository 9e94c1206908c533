// berth-bridge's network config: the keys of the reference bridge plugin, parsed and
// validated before anything is touched.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/cni/skel.h"
#include "core/cni/types.h"
#include "core/error.h"
#include "core/ip.h"
#include "core/netlink/link.h"

namespace berth::bridge {

inline constexpr const char* kDefaultBridge = "berth0";
inline constexpr const char* kNftLock = "/run/berth/nft.lock";

// One entry of runtimeConfig.portMappings (capability `portMappings`), validated.
struct PortSpec {
  std::optional<IpAddr> host_ip;  // nullopt: every host address ("", 0.0.0.0, :: or absent)
  uint8_t protocol = 0;           // IPPROTO_TCP, IPPROTO_UDP or IPPROTO_SCTP
  uint16_t host_port = 0;
  uint16_t container_port = 0;
  bool operator==(const PortSpec&) const = default;
};

struct Config {
  std::string bridge = kDefaultBridge;
  bool is_gateway = false;
  bool is_default_gateway = false;  // implies is_gateway
  bool force_address = false;
  bool ip_masq = false;
  bool hairpin = false;
  bool promisc = false;
  uint32_t mtu = 0;                 // 0: kernel default
  uint16_t vlan = 0;                // 0: no VLAN; else the ports' (and gateway's) untagged PVID
  bool preserve_default_vlan = false;  // keep VLAN 1 on the port next to `vlan`
  std::string ipam_type;            // empty: L2 only, no addresses
  cni::Dns dns;
  bool internal = false;  // no masquerade and no forwarding in or out of the bridge
  bool icc = true;        // false: containers on the bridge cannot reach each other
  bool macspoofchk = false;         // drop frames whose source MAC is not the container's own
  std::vector<PortSpec> ports;      // runtimeConfig.portMappings (ADD and CHECK only)
  std::optional<netlink::Mac> mac;  // runtimeConfig.mac > args.cni.mac > CNI_ARGS MAC
  std::optional<cni::CniResult> prev_result;
};

// Code 7 for a bad value (naming the key), 2 for keys berth does not implement yet.
[[nodiscard]] Result<Config> parse_config(const cni::Request& req);

// runtimeConfig.portMappings: a list of {hostPort, containerPort, protocol, hostIP}, keys
// in any case (containerd sends HostPort...), protocol tcp/udp/sctp in any case (default
// tcp). Exact duplicates are dropped. Code 7 naming the entry for a bad value.
[[nodiscard]] Result<std::vector<PortSpec>> parse_port_mappings(const nlohmann::json& list);

// Forgets the host's tracked UDP and SCTP flows to these published ports, so that a client
// that kept sending to a port some earlier container published reaches this one (its
// tracked flow would still carry the old translation). Best effort: failures are logged.
void forget_stale_flows(const std::vector<PortSpec>& ports);

// The host end of an attachment's veth: "veth" + 8 hex digits of a hash of container
// ID and ifname. Stable, so DEL and GC find it without any state file.
std::string host_veth_name(const std::string& container_id, const std::string& ifname);
// Owner tag of the attachment's nftables elements: "<network> <16 hex digits>".
std::string attachment_tag(const std::string& network, const std::string& container_id,
                           const std::string& ifname);
// The host veth of the attachment that owns `tag` (both come from one hash: the veth has
// its first 8 hex digits), whichever network it is on; "" for a tag of another shape.
std::string host_veth_of_tag(const std::string& tag);

}  // namespace berth::bridge
