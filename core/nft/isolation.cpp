#include "core/nft/isolation.h"

#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_tables.h>
#include <net/if.h>
#include <sys/socket.h>

#include <cstring>

#include "core/nft/netfilter.h"

namespace berth::nft {
namespace {

constexpr int32_t kPrioFilter = 0;
constexpr int32_t kPrioBridgeFilter = -200;
constexpr int32_t kPrioAfterDnat = -90;
constexpr uint32_t kIfnameLen = IFNAMSIZ;  // `meta iifname` loads 16 bytes, NUL padded

Rule rule(std::initializer_list<Expr> head, const Rule& mid, std::initializer_list<Expr> tail) {
  Rule r(head);
  r.insert(r.end(), mid.begin(), mid.end());
  r.insert(r.end(), tail);
  return r;
}

// `<iif|oif>name @set <verdict>`.
Rule name_in(uint32_t meta, const char* set, int verdict) {
  return {MetaLoad{meta, NFT_REG_1}, Lookup{NFT_REG_1, set}, Verdict{verdict}};
}

std::vector<Rule> forward_rules() {
  return {
      // iifname . oifname @bridge_self return: the two names fill 4 registers each.
      {MetaLoad{NFT_META_IIFNAME, NFT_REG32_00}, MetaLoad{NFT_META_OIFNAME, NFT_REG32_04},
       Lookup{NFT_REG32_00, kBridgeSelf}, Verdict{NFT_RETURN}},
      name_in(NFT_META_IIFNAME, kInternal, NF_DROP),
      name_in(NFT_META_OIFNAME, kInternal, NF_DROP),
      rule({}, match_ct_status(IPS_DST_NAT, true), {Verdict{NFT_RETURN}}),
      {MetaLoad{NFT_META_IIFNAME, NFT_REG_1}, Lookup{NFT_REG_1, kBridges},
       MetaLoad{NFT_META_OIFNAME, NFT_REG_1}, Lookup{NFT_REG_1, kBridges}, Verdict{NF_DROP}},
  };
}

// 4 bytes of a u32 as the kernel keeps it in a register (host order, like `meta mark`).
Bytes host_u32(uint32_t v) {
  Bytes b(4);
  std::memcpy(b.data(), &v, 4);
  return b;
}

// iifname @bridges ct status dnat meta mark set meta mark | kDnatMark
Rule mark_dnat() {
  Rule r = {MetaLoad{NFT_META_IIFNAME, NFT_REG_1}, Lookup{NFT_REG_1, kBridges}};
  Rule c = match_ct_status(IPS_DST_NAT, true);
  r.insert(r.end(), c.begin(), c.end());
  r.insert(r.end(), {MetaLoad{NFT_META_MARK, NFT_REG_1}, Bitwise{NFT_REG_1, host_u32(~kDnatMark), host_u32(kDnatMark)},
                     MetaSet{NFT_META_MARK, NFT_REG_1}});
  return r;
}

Rule guard_localnet() {
  static constexpr uint8_t kLoopback[4] = {127, 0, 0, 0};
  Rule r = {MetaLoad{NFT_META_IIFNAME, NFT_REG_1}, Lookup{NFT_REG_1, kBridges}};
  Rule d = match_daddr_prefix(AF_INET, kLoopback, 8);
  r.insert(r.end(), d.begin(), d.end());
  Rule c = match_ct_status(IPS_DST_NAT, false);
  r.insert(r.end(), c.begin(), c.end());
  r.push_back(Verdict{NF_DROP});
  return r;
}

}  // namespace

Result<Bytes> ifname_key(const std::string& name) {
  if (name.empty() || name.size() >= kIfnameLen || name.find('\0') != std::string::npos)
    return fail(Code::kInvalidConfig, "bad interface name `" + name + "` for nftables");
  Bytes k(kIfnameLen, 0);
  std::copy(name.begin(), name.end(), k.begin());
  return k;
}

void add_isolation_objects(TableSpec& spec) {
  constexpr uint32_t kHostOrder = 1;  // see SetSpec::key_byteorder
  spec.sets.push_back({.name = kBridges,
                       .key_type = kTypeIfname,
                       .key_len = kIfnameLen,
                       .key_byteorder = kHostOrder});
  spec.sets.push_back({kBridgeSelf, concat_type(kTypeIfname, kTypeIfname), 2 * kIfnameLen});
  spec.sets.push_back({.name = kInternal,
                       .key_type = kTypeIfname,
                       .key_len = kIfnameLen,
                       .key_byteorder = kHostOrder});
  spec.chains.push_back({.name = kForward,
                         .type = "filter",
                         .hook = NF_INET_FORWARD,
                         .priority = kPrioFilter,
                         .policy = NF_ACCEPT,
                         .rules = forward_rules()});
  // After DNAT (priority -100), so the first packet of a connection is marked too.
  spec.chains.push_back({.name = kMarkDnat,
                         .type = "filter",
                         .hook = NF_INET_PRE_ROUTING,
                         .priority = kPrioAfterDnat,
                         .policy = NF_ACCEPT,
                         .rules = {mark_dnat()}});
  spec.chains.push_back({.name = kInput,
                         .type = "filter",
                         .hook = NF_INET_LOCAL_IN,
                         .priority = kPrioFilter,
                         .policy = NF_ACCEPT,
                         .rules = {guard_localnet()}});
}

TableSpec bridge_table(const std::string& name) {
  TableSpec spec{.name = name, .family = NFPROTO_BRIDGE};
  spec.sets.push_back({.name = kIccPorts,
                       .key_type = kTypeIfname,
                       .key_len = kIfnameLen,
                       .key_byteorder = 1});  // host order: see SetSpec::key_byteorder
  // NF_BR_FORWARD has the same value as NF_INET_FORWARD (2).
  spec.chains.push_back(
      {.name = kForward,
       .type = "filter",
       .hook = NF_INET_FORWARD,
       .priority = kPrioBridgeFilter,
       .policy = NF_ACCEPT,
       // iifname @icc_ports oifname @icc_ports meta mark & kDnatMark == 0 drop
       .rules = {{MetaLoad{NFT_META_IIFNAME, NFT_REG_1}, Lookup{NFT_REG_1, kIccPorts},
                  MetaLoad{NFT_META_OIFNAME, NFT_REG_1}, Lookup{NFT_REG_1, kIccPorts},
                  MetaLoad{NFT_META_MARK, NFT_REG_1},
                  Bitwise{NFT_REG_1, host_u32(kDnatMark), host_u32(0)},
                  Cmp{NFT_REG_1, NFT_CMP_EQ, host_u32(0)}, Verdict{NF_DROP}}}});
  return spec;
}

Result<std::map<std::string, std::vector<Element>>> isolation_elements(
    std::span<const BridgeEntry> bridges) {
  std::map<std::string, std::vector<Element>> out;
  for (const auto& b : bridges) {
    Bytes key = BERTH_TRY(ifname_key(b.bridge));
    BERTH_TRY(encode_tag(b.tag));
    out[kBridges].push_back({key, b.tag});
    Bytes pair = key;
    pair.insert(pair.end(), key.begin(), key.end());
    out[kBridgeSelf].push_back({pair, b.tag});
    if (b.internal) out[kInternal].push_back({key, b.tag});
  }
  return out;
}

Result<std::map<std::string, std::vector<Element>>> icc_elements(std::span<const IccPort> ports) {
  std::map<std::string, std::vector<Element>> out;
  for (const auto& p : ports) {
    BERTH_TRY(encode_tag(p.tag));
    out[kIccPorts].push_back({BERTH_TRY(ifname_key(p.port)), p.tag});
  }
  return out;
}

}  // namespace berth::nft
