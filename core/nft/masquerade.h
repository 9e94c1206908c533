// The masquerade feature of table `inet berth`: a fixed set of rules and one set element
// per container address, so the rule count stays the same at any scale.
//
//   set masq4       ipv4_addr                 container addresses to masquerade
//   set masq6       ipv6_addr
//   set masq_skip4  ipv4_addr . iface_index   (address, its bridge): leaving through the
//   set masq_skip6  ipv6_addr . iface_index    container's own bridge is not masqueraded
//   chain postrouting (nat, postrouting hook, priority srcnat = 100, policy accept):
//     ip daddr 224.0.0.0/4 return; ip6 daddr ff00::/8 return      (multicast)
//     ip saddr . oif @masq_skip4 return; ip6 saddr . oif @masq_skip6 return
//     ip saddr @masq4 masquerade; ip6 saddr @masq6 masquerade
//
// This file only describes objects and converts entries to elements and back; Firewall
// does the talking.
#pragma once

#include <map>
#include <span>
#include <string>
#include <vector>

#include "core/ip.h"
#include "core/nft/element.h"
#include "core/nft/schema.h"

namespace berth::nft {

struct MasqEntry {
  IpAddr addr;             // a container address (either family)
  int bridge_ifindex = 0;  // its bridge in the host netns; 0 = none (no skip element)
  std::string tag;         // owner, 1-200 bytes, e.g. "<network> <hash>"
  bool operator==(const MasqEntry&) const = default;
};

inline constexpr const char* kMasq4 = "masq4";
inline constexpr const char* kMasq6 = "masq6";
inline constexpr const char* kMasqSkip4 = "masq_skip4";
inline constexpr const char* kMasqSkip6 = "masq_skip6";
inline constexpr const char* kPostrouting = "postrouting";

// The four set names above.
[[nodiscard]] std::vector<std::string> masquerade_sets();

// Appends the four sets and the postrouting chain with its rules to `spec` (an inet table).
void add_masquerade_objects(TableSpec& spec);

// Set name -> the elements that express `entries`. Validates the entries (an address of
// either family, ifindex >= 0, a valid tag); one element per set and key (later wins).
[[nodiscard]] Result<std::map<std::string, std::vector<Element>>> masquerade_elements(
    std::span<const MasqEntry> entries);

// The reverse: entries from the dumped elements of the four sets (set name -> elements).
// A skip element joins the masquerade element with the same address and tag; a skip
// element without one is listed on its own.
[[nodiscard]] std::vector<MasqEntry> masquerade_entries(
    const std::map<std::string, std::vector<Element>>& sets);

}  // namespace berth::nft
