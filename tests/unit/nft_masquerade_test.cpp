// Masquerade entries <-> set elements, and the expressions behind the rules.
#include <linux/netfilter/nf_tables.h>
#include <sys/socket.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstring>
#include <map>

#include "core/nft/expr.h"
#include "core/nft/masquerade.h"
#include "core/nft/netfilter.h"

using namespace berth::nft;
using berth::IpAddr;

namespace {
IpAddr ip(const char* s) { return *IpAddr::parse(s); }
}  // namespace

TEST_CASE("nft: masquerade entries become one element per set keyed as the rules load them") {
  std::vector<MasqEntry> in = {{ip("10.1.0.5"), 7, "net1 aa"},
                               {ip("fd00::5"), 7, "net1 aa"},
                               {ip("10.2.0.9"), 0, "net2 bb"}};
  auto sets = masquerade_elements(in);
  REQUIRE(sets);
  REQUIRE(sets->at("masq4").size() == 2);
  REQUIRE(sets->at("masq6").size() == 1);
  REQUIRE(sets->at("masq_skip4").size() == 1);  // 10.2.0.9 has no bridge
  REQUIRE(sets->at("masq_skip6").size() == 1);

  REQUIRE(sets->at("masq4")[0].key == Bytes{10, 1, 0, 5});
  REQUIRE(sets->at("masq4")[0].tag == "net1 aa");
  // Concatenation key: the address, then the ifindex as `meta oif` loads it (host order).
  const Bytes& k4 = sets->at("masq_skip4")[0].key;
  REQUIRE(k4.size() == 8);
  uint32_t idx = 0;
  std::memcpy(&idx, k4.data() + 4, 4);
  REQUIRE(idx == 7);
  REQUIRE(Bytes(k4.begin(), k4.begin() + 4) == Bytes{10, 1, 0, 5});
  REQUIRE(sets->at("masq_skip6")[0].key.size() == 20);
}

TEST_CASE("nft: masquerade entries survive the trip through elements") {
  std::vector<MasqEntry> in = {{ip("10.1.0.5"), 7, "net1 aa"},
                               {ip("fd00::5"), 9, "net1 aa"},
                               {ip("10.2.0.9"), 0, "net2 bb"}};
  auto sets = masquerade_elements(in);
  REQUIRE(sets);
  auto back = masquerade_entries(*sets);
  std::sort(back.begin(), back.end(), [](auto& a, auto& b) { return a.addr < b.addr; });
  std::sort(in.begin(), in.end(), [](auto& a, auto& b) { return a.addr < b.addr; });
  REQUIRE(back == in);
}

TEST_CASE("nft: a skip element without its masquerade element is listed on its own") {
  std::map<std::string, std::vector<Element>> sets;
  Bytes key = {10, 1, 0, 5, 0, 0, 0, 0};
  uint32_t idx = 3;
  std::memcpy(key.data() + 4, &idx, 4);
  sets["masq_skip4"] = {{key, "old"}};
  sets["masq4"] = {{{10, 1, 0, 5}, "new"}};
  auto back = masquerade_entries(sets);
  REQUIRE(back.size() == 2);
  REQUIRE(back[0] == MasqEntry{ip("10.1.0.5"), 0, "new"});
  REQUIRE(back[1] == MasqEntry{ip("10.1.0.5"), 3, "old"});
}

TEST_CASE("nft: invalid masquerade entries are refused") {
  std::vector<MasqEntry> no_addr = {{IpAddr(), 1, "t"}};
  REQUIRE_FALSE(masquerade_elements(no_addr));
  std::vector<MasqEntry> bad_index = {{ip("10.0.0.1"), -1, "t"}};
  REQUIRE_FALSE(masquerade_elements(bad_index));
  std::vector<MasqEntry> no_tag = {{ip("10.0.0.1"), 1, ""}};
  REQUIRE_FALSE(masquerade_elements(no_tag));
}

TEST_CASE("nft: prefix matches compare whole bytes and mask a partial byte as nft does") {
  const uint8_t mc4[4] = {224, 0, 0, 0};
  Rule r4 = match_daddr_prefix(AF_INET, mc4, 4);
  REQUIRE(r4.size() == 5);  // meta nfproto, cmp, payload, bitwise, cmp
  auto load = std::get<PayloadLoad>(r4[2]);
  REQUIRE(load.offset == 16);
  REQUIRE(load.len == 4);
  REQUIRE(std::get<Bitwise>(r4[3]).mask == Bytes{0xf0, 0, 0, 0});
  REQUIRE(std::get<Cmp>(r4[4]).data == Bytes{0xe0, 0, 0, 0});
  REQUIRE(std::get<Cmp>(r4[1]).data == Bytes{NFPROTO_IPV4});

  const uint8_t mc6[16] = {0xff};
  Rule r6 = match_daddr_prefix(AF_INET6, mc6, 8);
  REQUIRE(r6.size() == 4);  // meta nfproto, cmp, 1-byte payload, cmp
  REQUIRE(std::get<PayloadLoad>(r6[2]).offset == 24);
  REQUIRE(std::get<PayloadLoad>(r6[2]).len == 1);
  REQUIRE(std::get<Cmp>(r6[3]).data == Bytes{0xff});
}

TEST_CASE("nft: to_nftnl sets a lookup's set id only when the set is new in the batch") {
  auto with = to_nftnl(Lookup{NFT_REG_1, "masq4"}, 3);
  REQUIRE(with);
  REQUIRE(nftnl_expr_get_u32(with->get(), NFTNL_EXPR_LOOKUP_SET_ID) == 3);
  REQUIRE(std::string(nftnl_expr_get_str(with->get(), NFTNL_EXPR_LOOKUP_SET)) == "masq4");
  auto without = to_nftnl(Lookup{NFT_REG_1, "masq4"});
  REQUIRE(without);
  REQUIRE_FALSE(nftnl_expr_is_set(without->get(), NFTNL_EXPR_LOOKUP_SET_ID));
  auto verdict = to_nftnl(Verdict{NFT_RETURN});
  REQUIRE(verdict);
  REQUIRE(int32_t(nftnl_expr_get_u32(verdict->get(), NFTNL_EXPR_IMM_VERDICT)) == NFT_RETURN);
  REQUIRE(nftnl_expr_get_u32(verdict->get(), NFTNL_EXPR_IMM_DREG) == NFT_REG_VERDICT);
}
