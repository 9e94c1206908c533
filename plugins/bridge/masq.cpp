// Masquerade for berth-bridge through berth_nft: one element per container address in
// berth's sets (never a rule per container), tagged with the attachment so DEL and GC
// find them without knowing the addresses.
#include <algorithm>

#include "core/nft/firewall.h"
#include "plugins/bridge/bridge.h"
#include "plugins/bridge/config.h"

namespace berth::bridge {

Result<> masq_add(const std::string& tag, const std::vector<IpAddr>& addrs, int bridge_index) {
  auto fw = BERTH_TRY(nft::Firewall::open(kNftLock));
  std::vector<nft::MasqEntry> entries;
  for (const auto& a : addrs) entries.push_back({a, bridge_index, tag});
  return fw.add_masquerade(entries);
}

Result<size_t> masq_remove(const std::string& tag) {
  auto fw = BERTH_TRY(nft::Firewall::open(kNftLock));
  return fw.remove_by_tag([&](std::string_view t) { return t == tag; });
}

Result<size_t> masq_gc(const std::string& network, const std::set<std::string>& keep) {
  auto fw = BERTH_TRY(nft::Firewall::open(kNftLock));
  const std::string prefix = network + " ";
  auto n = BERTH_TRY(fw.remove_by_tag([&](std::string_view t) {
    return t.substr(0, prefix.size()) == prefix && !keep.count(std::string(t));
  }));
  BERTH_TRY(fw.remove_table_if_unused());
  return n;
}

Result<bool> masq_present(const std::string& tag, const std::vector<IpAddr>& addrs) {
  auto fw = BERTH_TRY(nft::Firewall::open(kNftLock));
  auto all = BERTH_TRY(fw.list_masquerade());
  return std::all_of(addrs.begin(), addrs.end(), [&](const IpAddr& a) {
    return std::any_of(all.begin(), all.end(), [&](const nft::MasqEntry& e) { return e.addr == a && e.tag == tag; });
  });
}

}  // namespace berth::bridge
