// macspoofchk's elements and objects in table `bridge berth`: keys laid out as the guard
// rule loads them, and one rule whatever the number of guarded ports.
#include <catch2/catch.hpp>
#include <utility>
#include <variant>

#include "core/nft/firewall.h"
#include "core/nft/macspoof.h"
#include "core/nft/netfilter.h"

using namespace berth::nft;

namespace {

// The set's key length and type (0, 0 when the table has no such set).
std::pair<uint32_t, uint32_t> key_of(const TableSpec& t, const std::string& name) {
  for (const auto& s : t.sets)
    if (s.name == name) return {s.key_len, s.key_type};
  return {0, 0};
}

}  // namespace

TEST_CASE("nft: macspoofchk elements are the port name and port . MAC padded to registers") {
  std::vector<MacGuard> in = {{"veth0a1b2c3d", {0x02, 0x42, 10, 97, 0, 2}, "n aa"}};
  auto sets = macspoof_elements(in);
  REQUIRE(sets);
  Bytes name(16, 0);
  std::copy_n("veth0a1b2c3d", 12, name.begin());
  REQUIRE(sets->at(kMacPorts).at(0).key == name);
  Bytes pair = name;
  for (uint8_t b : {0x02, 0x42, 10, 97, 0, 2, 0, 0}) pair.push_back(b);  // 6 bytes + 2 padding
  REQUIRE(sets->at(kMacAllowed).at(0).key == pair);
  REQUIRE(sets->at(kMacAllowed).at(0).tag == "n aa");
  // The keys have the lengths the sets are created with.
  TableSpec t = berth_bridge_table();
  REQUIRE(key_of(t, kMacPorts).first == sets->at(kMacPorts)[0].key.size());
  REQUIRE(key_of(t, kMacAllowed) ==
          std::pair<uint32_t, uint32_t>(uint32_t(pair.size()),
                                        concat_type(kTypeIfname, kTypeEtherAddr)));
}

TEST_CASE("nft: bad macspoofchk entries are code 7 before anything is sent") {
  auto bad = [](MacGuard g) {
    std::vector<MacGuard> in = {g};
    auto r = macspoof_elements(in);
    return !r && r.error().code == berth::Code::kInvalidConfig;
  };
  REQUIRE(bad({"", {2, 0, 0, 0, 0, 1}, "t"}));                  // no port
  REQUIRE(bad({"a-name-of-16-chr", {2, 0, 0, 0, 0, 1}, "t"}));  // too long for an ifname
  REQUIRE(bad({"veth1", {0, 0, 0, 0, 0, 0}, "t"}));             // no MAC
  REQUIRE(bad({"veth1", {2, 0, 0, 0, 0, 1}, ""}));              // no owner
  REQUIRE_FALSE(bad({"veth1", {2, 0, 0, 0, 0, 1}, "t"}));
}

TEST_CASE("nft: the bridge table guards MACs with one prerouting rule") {
  TableSpec t = berth_bridge_table();
  REQUIRE(t.family == NFPROTO_BRIDGE);
  size_t rules = 0;
  const ChainSpec* pre = nullptr;
  for (const auto& c : t.chains) {
    rules += c.rules.size();
    if (c.name == kPreroutingBridge) pre = &c;
  }
  REQUIRE(rules == 2);  // icc's forward rule and the MAC guard
  REQUIRE(pre);
  REQUIRE(pre->hook == NF_INET_PRE_ROUTING);
  REQUIRE(pre->policy == NF_ACCEPT);  // only guarded ports are ever dropped
  REQUIRE(pre->rules.size() == 1);
  const Rule& r = pre->rules[0];
  // Guarded port first, then the inverted lookup of (port . ether saddr), then drop.
  const auto* first = std::get_if<Lookup>(&r[1]);
  REQUIRE(first);
  REQUIRE(first->set == kMacPorts);
  REQUIRE_FALSE(first->invert);
  const auto* pair = std::get_if<Lookup>(&r[4]);
  REQUIRE(pair);
  REQUIRE(pair->set == kMacAllowed);
  REQUIRE(pair->invert);
  const auto* saddr = std::get_if<PayloadLoad>(&r[3]);
  REQUIRE(saddr);
  REQUIRE(saddr->base == NFT_PAYLOAD_LL_HEADER);
  REQUIRE(saddr->offset == 6);
  REQUIRE(saddr->len == 6);
  const auto* verdict = std::get_if<Verdict>(&r.back());
  REQUIRE(verdict);
  REQUIRE(verdict->code == NF_DROP);
}

TEST_CASE("nft: an inverted lookup carries the kernel's invert flag") {
  auto inv = to_nftnl(Lookup{.sreg = NFT_REG_1, .set = "s", .invert = true});
  REQUIRE(inv);
  REQUIRE(nftnl_expr_get_u32(inv->get(), NFTNL_EXPR_LOOKUP_FLAGS) == NFT_LOOKUP_F_INV);
  auto plain = to_nftnl(Lookup{NFT_REG_1, "s"});
  REQUIRE(plain);
  REQUIRE_FALSE(nftnl_expr_is_set(plain->get(), NFTNL_EXPR_LOOKUP_FLAGS));
}
