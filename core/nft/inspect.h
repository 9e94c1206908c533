// Read-only views of berth's nftables state for diagnosis (`berth net diagnose`): what
// the isolation, icc, masquerade and port-publishing sets hold right now, and which of
// berth's chains exist. Never changes anything and takes no lock (each dump is
// consistent in itself).
#pragma once

#include <cstddef>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/nft/masquerade.h"
#include "core/nft/portmap.h"

namespace berth::nft {

struct RulesetView {
  bool inet_table = false;                    // table inet berth exists
  std::map<std::string, size_t> inet_chains;  // its chains -> rule counts
  std::set<std::string> bridges;              // set bridges
  std::set<std::string> internal;             // set internal
  std::set<std::pair<std::string, std::string>> bridge_self;
  std::vector<PortMapping> ports;  // the four port maps
  std::vector<MasqEntry> masq;     // the masquerade sets
  bool bridge_table = false;       // table bridge berth exists
  std::map<std::string, size_t> bridge_chains;
  std::set<std::string> icc_ports;  // set icc_ports of table bridge berth
};

// Dumps berth's tables in the calling thread's network namespace. Missing tables or
// sets read as empty.
[[nodiscard]] Result<RulesetView> inspect_ruleset();

// An interface name out of an ifname set key (16 bytes, NUL padded).
[[nodiscard]] std::string ifname_of_key(const uint8_t* key, size_t len);

}  // namespace berth::nft
