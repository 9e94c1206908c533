#include "core/nft/inspect.h"

#include <linux/netfilter.h>

#include <cstring>

#include "core/nft/element.h"
#include "core/nft/isolation.h"
#include "core/nft/schema.h"
#include "core/nft/socket.h"

namespace berth::nft {

namespace {

constexpr const char* kTableName = "berth";
constexpr size_t kIfnameKeyLen = 16;  // IFNAMSIZ: how `meta iifname` loads a name

Result<std::vector<Element>> dump(Socket& sock, uint32_t family, const char* set) {
  return dump_elements(sock, kTableName, family, set);
}

Result<std::set<std::string>> ifname_set(Socket& sock, uint32_t family, const char* set) {
  std::set<std::string> out;
  for (const auto& el : BERTH_TRY(dump(sock, family, set)))
    out.insert(ifname_of_key(el.key.data(), el.key.size()));
  return out;
}

Result<> read_inet(Socket& sock, RulesetView& v) {
  auto state = BERTH_TRY(read_state(sock, kTableName, NFPROTO_INET));
  v.inet_table = state.exists;
  if (!state.exists) return {};
  v.inet_chains = state.chains;
  v.bridges = BERTH_TRY(ifname_set(sock, NFPROTO_INET, kBridges));
  v.internal = BERTH_TRY(ifname_set(sock, NFPROTO_INET, kInternal));
  for (const auto& el : BERTH_TRY(dump(sock, NFPROTO_INET, kBridgeSelf)))
    if (el.key.size() >= 2 * kIfnameKeyLen)
      v.bridge_self.emplace(ifname_of_key(el.key.data(), kIfnameKeyLen),
                            ifname_of_key(el.key.data() + kIfnameKeyLen, kIfnameKeyLen));
  for (const auto& map : port_maps())
    for (const auto& el : BERTH_TRY(dump_elements(sock, kTableName, NFPROTO_INET, map)))
      if (auto m = port_mapping(map, el)) v.ports.push_back(*m);
  std::map<std::string, std::vector<Element>> sets;
  for (const auto& set : masquerade_sets())
    sets[set] = BERTH_TRY(dump_elements(sock, kTableName, NFPROTO_INET, set));
  v.masq = masquerade_entries(sets);
  return {};
}

}  // namespace

std::string ifname_of_key(const uint8_t* key, size_t len) {
  size_t n = 0;
  while (n < len && key[n] != 0) ++n;
  return {reinterpret_cast<const char*>(key), n};
}

Result<RulesetView> inspect_ruleset() {
  auto sock = BERTH_TRY(Socket::open());
  RulesetView v;
  if (auto r = read_inet(sock, v); !r)
    return std::unexpected(r.error().wrap("read table inet berth"));
  auto bridge = read_state(sock, kTableName, NFPROTO_BRIDGE);
  if (!bridge) return std::unexpected(bridge.error().wrap("read table bridge berth"));
  v.bridge_table = bridge->exists;
  if (bridge->exists) {
    v.bridge_chains = bridge->chains;
    auto icc = ifname_set(sock, NFPROTO_BRIDGE, kIccPorts);
    if (!icc) return std::unexpected(icc.error().wrap("read set icc_ports"));
    v.icc_ports = std::move(*icc);
  }
  return v;
}

}  // namespace berth::nft
