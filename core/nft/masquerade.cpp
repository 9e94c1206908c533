#include "core/nft/masquerade.h"

#include <linux/netfilter/nf_tables.h>
#include <sys/socket.h>

#include <cstring>

#include "core/nft/netfilter.h"

namespace berth::nft {
namespace {

constexpr int32_t kPrioSrcnat = 100;

Rule join(Rule a, const Rule& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// `ip[6] daddr <multicast> return`: multicast is never masqueraded.
Rule skip_multicast(int family) {
  static constexpr uint8_t kMcast4[4] = {224, 0, 0, 0};
  static constexpr uint8_t kMcast6[16] = {0xff};
  Rule r = family == AF_INET ? match_daddr_prefix(AF_INET, kMcast4, 4)
                             : match_daddr_prefix(AF_INET6, kMcast6, 8);
  r.push_back(Verdict{NFT_RETURN});
  return r;
}

// `ip[6] saddr . meta oif @masq_skip[46] return`. A concatenation is built in consecutive
// 32-bit registers, each field starting on a register boundary: the address fills 1 or 4
// registers and the interface index comes right after.
Rule skip_own_bridge(int family) {
  bool v4 = family == AF_INET;
  Rule r = match_nfproto(v4 ? NFPROTO_IPV4 : NFPROTO_IPV6);
  r.push_back(load_ip_addr(family, true, NFT_REG32_00));
  r.push_back(MetaLoad{NFT_META_OIF, NFT_REG32_00 + (v4 ? 1u : 4u)});
  r.push_back(Lookup{NFT_REG32_00, v4 ? kMasqSkip4 : kMasqSkip6});
  r.push_back(Verdict{NFT_RETURN});
  return r;
}

// `ip[6] saddr @masq[46] masquerade`.
Rule masquerade(int family) {
  bool v4 = family == AF_INET;
  return join(match_nfproto(v4 ? NFPROTO_IPV4 : NFPROTO_IPV6),
              {load_ip_addr(family, true), Lookup{NFT_REG_1, v4 ? kMasq4 : kMasq6}, Masquerade{}});
}

Bytes addr_key(const IpAddr& a) { return Bytes(a.data(), a.data() + a.size()); }

// The interface index is compared as `meta oif` loads it: a host-order u32.
Bytes skip_key(const IpAddr& a, int ifindex) {
  Bytes k = addr_key(a);
  auto idx = uint32_t(ifindex);
  k.resize(k.size() + sizeof idx);
  std::memcpy(k.data() + a.size(), &idx, sizeof idx);
  return k;
}

}  // namespace

std::vector<std::string> masquerade_sets() { return {kMasq4, kMasq6, kMasqSkip4, kMasqSkip6}; }

void add_masquerade_objects(TableSpec& spec) {
  spec.sets.push_back({kMasq4, kTypeIpv4Addr, 4});
  spec.sets.push_back({kMasq6, kTypeIpv6Addr, 16});
  spec.sets.push_back({kMasqSkip4, concat_type(kTypeIpv4Addr, kTypeIfaceIndex), 8});
  spec.sets.push_back({kMasqSkip6, concat_type(kTypeIpv6Addr, kTypeIfaceIndex), 20});
  spec.chains.push_back(
      {.name = kPostrouting,
       .type = "nat",
       .hook = NF_INET_POST_ROUTING,
       .priority = kPrioSrcnat,
       .policy = NF_ACCEPT,
       .rules = {skip_multicast(AF_INET), skip_multicast(AF_INET6), skip_own_bridge(AF_INET),
                 skip_own_bridge(AF_INET6), masquerade(AF_INET), masquerade(AF_INET6)}});
}

Result<std::map<std::string, std::vector<Element>>> masquerade_elements(
    std::span<const MasqEntry> entries) {
  std::map<std::string, std::map<Bytes, std::string>> by_key;
  for (const auto& e : entries) {
    int fam = e.addr.family();
    if (fam != AF_INET && fam != AF_INET6)
      return fail(Code::kInternal, "masquerade entry without an address");
    if (e.bridge_ifindex < 0)
      return fail(Code::kInternal, "masquerade entry `" + e.addr.str() + "`: bad ifindex");
    BERTH_TRY(encode_tag(e.tag));
    bool v4 = fam == AF_INET;
    by_key[v4 ? kMasq4 : kMasq6][addr_key(e.addr)] = e.tag;
    if (e.bridge_ifindex > 0)
      by_key[v4 ? kMasqSkip4 : kMasqSkip6][skip_key(e.addr, e.bridge_ifindex)] = e.tag;
  }
  std::map<std::string, std::vector<Element>> out;
  for (auto& [set, elems] : by_key)
    for (auto& [key, tag] : elems) out[set].push_back({key, tag});
  return out;
}

std::vector<MasqEntry> masquerade_entries(const std::map<std::string, std::vector<Element>>& sets) {
  std::vector<MasqEntry> out;
  std::map<std::pair<IpAddr, std::string>, size_t> unjoined;  // masq entries without bridge
  auto elems = [&](const char* name) -> const std::vector<Element>& {
    static const std::vector<Element> kNone;
    auto it = sets.find(name);
    return it == sets.end() ? kNone : it->second;
  };
  for (const auto* name : {kMasq4, kMasq6}) {
    int fam = name == kMasq4 ? AF_INET : AF_INET6;
    size_t len = fam == AF_INET ? 4 : 16;
    for (const auto& el : elems(name)) {
      if (el.key.size() != len) continue;
      IpAddr addr = IpAddr::from_bytes(fam, el.key.data());
      unjoined.emplace(std::pair(addr, el.tag), out.size());
      out.push_back({addr, 0, el.tag});
    }
  }
  for (const auto* name : {kMasqSkip4, kMasqSkip6}) {
    int fam = name == kMasqSkip4 ? AF_INET : AF_INET6;
    size_t len = fam == AF_INET ? 4 : 16;
    for (const auto& el : elems(name)) {
      if (el.key.size() != len + 4) continue;
      IpAddr addr = IpAddr::from_bytes(fam, el.key.data());
      uint32_t idx = 0;
      std::memcpy(&idx, el.key.data() + len, sizeof idx);
      auto it = unjoined.find(std::pair(addr, el.tag));
      if (it != unjoined.end()) {
        out[it->second].bridge_ifindex = int(idx);
        unjoined.erase(it);
      } else {
        out.push_back({addr, int(idx), el.tag});
      }
    }
  }
  return out;
}

}  // namespace berth::nft
