// Port publishing in table `inet berth`: DNAT through maps, so the rules are the same few
// whatever the number of published ports; a container's mappings are map elements.
//
//   map ports4      ipv4_addr . inet_proto . inet_service : ipv4_addr . inet_service
//   map ports4_any  inet_proto . inet_service : ipv4_addr . inet_service   (every address)
//   map ports6, ports6_any                      the same with ipv6_addr
//   set members4    ipv4_addr . iface_index     (container address, its bridge)
//   set members6    ipv6_addr . iface_index
//   chain prerouting (nat, prerouting, dstnat = -100) and chain output (nat, output, -100):
//     fib daddr type != local return
//     dnat ip to ip daddr . meta l4proto . th dport map @ports4
//     dnat ip to meta l4proto . th dport map @ports4_any
//     (and the same for ip6)
//   chain ports_snat (nat, postrouting, srcnat - 1 = 99; before masquerade's skip rules):
//     ct status dnat ip saddr 127.0.0.0/8 masquerade       host -> 127.0.0.1:<port>
//     ct status dnat ip saddr . oif @members4 masquerade   hairpin: a container reaching a
//     ct status dnat ip6 saddr . oif @members6 masquerade  port published on its own bridge
//
// The specific-address map is looked up first, so a mapping bound to one host address wins
// over an every-address mapping of the same port. This file only describes objects and
// converts mappings to elements and back; Firewall does the talking.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/ip.h"
#include "core/nft/element.h"
#include "core/nft/schema.h"

namespace berth::nft {

struct PortMapping {
  IpAddr host_ip;        // family 0: every local address (of ctr_addr's family)
  uint8_t protocol = 0;  // IPPROTO_TCP, IPPROTO_UDP or IPPROTO_SCTP
  uint16_t host_port = 0;
  IpAddr ctr_addr;  // the container address; host_ip, when set, has its family
  uint16_t ctr_port = 0;
  std::string tag;  // owner, as for every berth element
  bool operator==(const PortMapping&) const = default;
};

// A container address on a bridge: its connections to a port published on that same
// bridge are masqueraded (hairpin), so the reply comes back through the host.
struct Member {
  IpAddr addr;
  int bridge_ifindex = 0;
  std::string tag;
  bool operator==(const Member&) const = default;
};

inline constexpr const char* kPorts4 = "ports4";
inline constexpr const char* kPorts4Any = "ports4_any";
inline constexpr const char* kPorts6 = "ports6";
inline constexpr const char* kPorts6Any = "ports6_any";
inline constexpr const char* kMembers4 = "members4";
inline constexpr const char* kMembers6 = "members6";
inline constexpr const char* kPrerouting = "prerouting";
inline constexpr const char* kOutput = "output";
inline constexpr const char* kPortsSnat = "ports_snat";

// The four map names.
[[nodiscard]] std::vector<std::string> port_maps();

// Appends the maps, sets and the three chains to `spec` (an inet table).
void add_portmap_objects(TableSpec& spec);

// Set name -> elements for `ports` and `members`. Code 7 for a mapping without a container
// address, a zero port, an unknown protocol or a host address of the other family; code 7
// when one call maps the same host address, port and protocol to two destinations.
[[nodiscard]] Result<std::map<std::string, std::vector<Element>>> portmap_elements(
    std::span<const PortMapping> ports, std::span<const Member> members);

// The mapping a port map element stands for (nullopt: not a well-formed element of `map`).
[[nodiscard]] std::optional<PortMapping> port_mapping(const std::string& map, const Element& el);

// "8080/tcp", or "127.0.0.1:8080/tcp" for a mapping bound to one address.
[[nodiscard]] std::string port_name(const PortMapping& m);

// Where mapping `m` goes (map and key), and the keys Firewall looks up to find another
// owner of the same protocol and port on an overlapping host address.
struct PortKeys {
  std::string map;                    // the map m goes to
  Bytes key;                          // its key there
  Bytes any_key;                      // its (protocol . port) key in the every-address map
  std::string specific_map, any_map;  // the family's two maps
};
[[nodiscard]] PortKeys port_keys(const PortMapping& m);

}  // namespace berth::nft
