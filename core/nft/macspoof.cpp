#include "core/nft/macspoof.h"

#include <linux/netfilter/nf_tables.h>
#include <net/if.h>

#include <algorithm>

#include "core/nft/isolation.h"
#include "core/nft/netfilter.h"

namespace berth::nft {
namespace {

constexpr int32_t kPrioBridgeFilter = -200;
constexpr uint32_t kEtherSaddrOffset = 6;  // after the destination MAC
constexpr uint32_t kMacLen = 6;
constexpr uint32_t kMacField = 8;  // a concatenation field is padded to 4-byte registers

// iifname @mac_ports iifname . ether saddr != @mac_allowed drop. The name fills registers
// 0-3 and the MAC 4-5; the payload load zeroes the padding, as the element key has it.
Rule guard_rule() {
  return {MetaLoad{NFT_META_IIFNAME, NFT_REG_1},
          Lookup{NFT_REG_1, kMacPorts},
          MetaLoad{NFT_META_IIFNAME, NFT_REG32_00},
          PayloadLoad{NFT_PAYLOAD_LL_HEADER, kEtherSaddrOffset, kMacLen, NFT_REG32_04},
          Lookup{.sreg = NFT_REG32_00, .set = kMacAllowed, .invert = true},
          Verdict{NF_DROP}};
}

}  // namespace

void add_macspoof_objects(TableSpec& spec) {
  spec.sets.push_back({.name = kMacPorts,
                       .key_type = kTypeIfname,
                       .key_len = IFNAMSIZ,
                       .key_byteorder = 1});  // host order: see SetSpec::key_byteorder
  spec.sets.push_back({.name = kMacAllowed,
                       .key_type = concat_type(kTypeIfname, kTypeEtherAddr),
                       .key_len = IFNAMSIZ + kMacField});
  // NF_BR_PRE_ROUTING has the same value as NF_INET_PRE_ROUTING (0).
  spec.chains.push_back({.name = kPreroutingBridge,
                         .type = "filter",
                         .hook = NF_INET_PRE_ROUTING,
                         .priority = kPrioBridgeFilter,
                         .policy = NF_ACCEPT,
                         .rules = {guard_rule()}});
}

Result<std::map<std::string, std::vector<Element>>> macspoof_elements(
    std::span<const MacGuard> guards) {
  std::map<std::string, std::vector<Element>> out;
  for (const auto& g : guards) {
    BERTH_TRY(encode_tag(g.tag));
    if (std::all_of(g.mac.begin(), g.mac.end(), [](uint8_t b) { return b == 0; }))
      return fail(Code::kInvalidConfig, "no MAC address for port `" + g.port + "`");
    Bytes port = BERTH_TRY(ifname_key(g.port));
    Bytes pair = port;
    pair.insert(pair.end(), g.mac.begin(), g.mac.end());
    pair.resize(IFNAMSIZ + kMacField, 0);
    out[kMacPorts].push_back({std::move(port), g.tag});
    out[kMacAllowed].push_back({std::move(pair), g.tag});
  }
  return out;
}

}  // namespace berth::nft
