// Link verbs over libnl: look up, create a bridge or a veth pair, set state, delete.
// Every function acts in the namespace of the Socket it is given.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/netlink/socket.h"

namespace berth::netlink {

using Mac = std::array<uint8_t, 6>;

struct LinkInfo {
  int index = 0;
  std::string name;
  std::string kind;  // "bridge", "veth", ... ; empty for plain devices
  std::string mac;   // lower-case aa:bb:cc:dd:ee:ff
  uint32_t mtu = 0;
  bool up = false;   // administratively up (IFF_UP)
  bool promisc = false;
  int master = 0;    // ifindex of the bridge it is a port of; 0: none
  int peer_index = 0;  // veth: ifindex of the peer (in the peer's namespace); 0: unknown
};

// nullopt when there is no such link.
[[nodiscard]] Result<std::optional<LinkInfo>> get_link(const Socket& s, const std::string& name);
[[nodiscard]] Result<std::optional<LinkInfo>> get_link(const Socket& s, int index);

// Creates bridge `name` when missing (a concurrent creator is fine), sets it up (and
// promiscuous when asked). Fails with code 7 if `name` exists and is not a bridge.
[[nodiscard]] Result<LinkInfo> ensure_bridge(const Socket& s, const std::string& name, uint32_t mtu,
                                             bool promisc);

struct VethSpec {
  std::string host_name;    // end that stays in the socket's namespace
  std::string peer_name;    // end created directly inside peer_netns_fd
  int peer_netns_fd = -1;
  std::optional<Mac> peer_mac;
  uint32_t mtu = 0;         // 0: kernel default
  int master = 0;           // bridge for the host end; 0: none
};

// Creates the pair in one request, the host end up (the peer stays down); the peer is born in its namespace (no
// move, so no RCU wait). Code 106 when either name is taken.
[[nodiscard]] Result<> create_veth(const Socket& s, const VethSpec& spec);

// Every link whose master is `bridge_index` (the bridge's ports).
[[nodiscard]] Result<std::vector<LinkInfo>> list_ports(const Socket& s, int bridge_index);

// No IPv6 link-local address on link `index` (addrgenmode none), set before its carrier
// comes up. For pure bridge ports: they then send no DAD, MLD or router solicitations
// that the bridge floods to every other port, and host address dumps stay small.
[[nodiscard]] Result<> set_no_ipv6_link_local(const Socket& s, int index);

[[nodiscard]] Result<> set_up(const Socket& s, int index);
// Deletes the link; false when it did not exist.
[[nodiscard]] Result<bool> delete_link(const Socket& s, const std::string& name);

std::string mac_to_string(const uint8_t* mac);
std::optional<Mac> parse_mac(const std::string& text);

}  // namespace berth::netlink
