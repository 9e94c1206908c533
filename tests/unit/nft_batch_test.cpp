// Batch and plan_ensure: the bytes of a transaction, read back with libnftnl's parsers.
#include <libmnl/libmnl.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include <catch2/catch.hpp>
#include <map>
#include <string>
#include <vector>

#include "core/nft/batch.h"
#include "core/nft/firewall.h"
#include "core/nft/handles.h"
#include "core/nft/masquerade.h"
#include "core/nft/netfilter.h"

using namespace berth::nft;

namespace {

// The messages of a finished batch, in order.
std::vector<const nlmsghdr*> split(std::span<const char> data) {
  std::vector<const nlmsghdr*> out;
  int len = int(data.size());
  for (auto* nlh = reinterpret_cast<const nlmsghdr*>(data.data()); mnl_nlmsg_ok(nlh, len);
       nlh = mnl_nlmsg_next(nlh, &len))
    out.push_back(nlh);
  REQUIRE(len == 0);  // no trailing garbage
  return out;
}

uint16_t nft_type(const nlmsghdr* nlh) { return nlh->nlmsg_type & 0xff; }
uint16_t subsys(const nlmsghdr* nlh) { return nlh->nlmsg_type >> 8; }

std::vector<uint16_t> types(Batch& b) {
  std::vector<uint16_t> out;
  for (const auto& m : b.messages()) out.push_back(m.type);
  return out;
}

UniqueSet parse_set(const nlmsghdr* nlh) {
  UniqueSet s(nftnl_set_alloc());
  REQUIRE(nftnl_set_nlmsg_parse(nlh, s.get()) >= 0);
  return s;
}

// The expressions of a rule message as (name, expr) pairs; the rule keeps ownership.
struct ParsedRule {
  UniqueRule rule;
  std::vector<nftnl_expr*> exprs;
  std::string name(size_t i) const { return nftnl_expr_get_str(exprs[i], NFTNL_EXPR_NAME); }
};
ParsedRule parse_rule(const nlmsghdr* nlh) {
  ParsedRule r{UniqueRule(nftnl_rule_alloc()), {}};
  REQUIRE(nftnl_rule_nlmsg_parse(nlh, r.rule.get()) >= 0);
  nftnl_expr_foreach(
      r.rule.get(),
      [](nftnl_expr* e, void* v) {
        static_cast<std::vector<nftnl_expr*>*>(v)->push_back(e);
        return 0;
      },
      &r.exprs);
  return r;
}

// libnftnl numbers the element nests of a list it builds 1, 2, 3... (the kernel ignores
// the numbers) but its own parser wants every one to be NFTA_LIST_ELEM; renumber a copy.
UniqueSet parse_elems(const nlmsghdr* nlh, std::vector<char>& copy) {
  copy.assign(reinterpret_cast<const char*>(nlh),
              reinterpret_cast<const char*>(nlh) + nlh->nlmsg_len);
  auto* m = reinterpret_cast<nlmsghdr*>(copy.data());
  auto* end = static_cast<char*>(mnl_nlmsg_get_payload_tail(m));
  for (auto* a = static_cast<nlattr*>(mnl_nlmsg_get_payload_offset(m, sizeof(nfgenmsg)));
       mnl_attr_ok(a, int(end - reinterpret_cast<char*>(a))); a = mnl_attr_next(a)) {
    if (mnl_attr_get_type(a) != NFTA_SET_ELEM_LIST_ELEMENTS) continue;
    char* nest_end = reinterpret_cast<char*>(a) + a->nla_len;
    for (auto* e = static_cast<nlattr*>(mnl_attr_get_payload(a));
         mnl_attr_ok(e, int(nest_end - reinterpret_cast<char*>(e))); e = mnl_attr_next(e))
      e->nla_type = NFTA_LIST_ELEM | NLA_F_NESTED;
  }
  UniqueSet s(nftnl_set_alloc());
  REQUIRE(nftnl_set_elems_nlmsg_parse(m, s.get()) >= 0);
  return s;
}

// The masquerade feature alone: what these plan_ensure cases count messages against
// (berth_table() holds more features).
TableSpec masq_table() {
  TableSpec spec{.name = kTable, .family = NFPROTO_INET};
  add_masquerade_objects(spec);
  return spec;
}

TableState complete_state() {
  TableState st;
  st.exists = true;
  for (const auto& s : masquerade_sets()) st.sets.insert(s);
  st.chains[kPostrouting] = 6;
  return st;
}

}  // namespace

TEST_CASE("nft: an empty batch is BEGIN and END only numbered from the first seq") {
  Batch b(kTable, NFPROTO_INET, 40);
  auto msgs = split(b.finish());
  REQUIRE(msgs.size() == 2);
  REQUIRE(msgs[0]->nlmsg_type == NFNL_MSG_BATCH_BEGIN);
  REQUIRE(msgs[0]->nlmsg_seq == 40);
  REQUIRE(msgs[1]->nlmsg_type == NFNL_MSG_BATCH_END);
  REQUIRE(msgs[1]->nlmsg_seq == 41);
  REQUIRE(b.empty());
  REQUIRE(b.finish().size() == msgs[0]->nlmsg_len + msgs[1]->nlmsg_len);  // END added once

  b.add_table();  // reopens the batch: END moves behind the new message
  auto again = split(b.finish());
  REQUIRE(again.size() == 3);
  REQUIRE(nft_type(again[1]) == NFT_MSG_NEWTABLE);
  REQUIRE(again[1]->nlmsg_seq == 41);
  REQUIRE(again[2]->nlmsg_type == NFNL_MSG_BATCH_END);
  REQUIRE(again[2]->nlmsg_seq == 42);
}

TEST_CASE("nft: plan_ensure on an empty state creates table sets chain and rules in one batch") {
  Batch b(kTable, NFPROTO_INET);
  REQUIRE(plan_ensure(b, masq_table(), TableState{}).value());
  REQUIRE(types(b) == std::vector<uint16_t>{NFT_MSG_NEWTABLE, NFT_MSG_NEWSET, NFT_MSG_NEWSET,
                                            NFT_MSG_NEWSET, NFT_MSG_NEWSET, NFT_MSG_NEWCHAIN,
                                            NFT_MSG_NEWRULE, NFT_MSG_NEWRULE, NFT_MSG_NEWRULE,
                                            NFT_MSG_NEWRULE, NFT_MSG_NEWRULE, NFT_MSG_NEWRULE});
  auto msgs = split(b.finish());
  REQUIRE(msgs.size() == b.messages().size() + 2);
  for (size_t i = 1; i + 1 < msgs.size(); ++i) {
    REQUIRE(subsys(msgs[i]) == NFNL_SUBSYS_NFTABLES);
    REQUIRE((msgs[i]->nlmsg_flags & NLM_F_ACK));         // every message's verdict is checked
    REQUIRE_FALSE((msgs[i]->nlmsg_flags & NLM_F_EXCL));  // existing objects are fine
    REQUIRE(msgs[i]->nlmsg_seq == b.messages()[i - 1].seq);
    auto* nfg = static_cast<const nfgenmsg*>(mnl_nlmsg_get_payload(msgs[i]));
    REQUIRE(nfg->nfgen_family == NFPROTO_INET);
  }

  UniqueTable t(nftnl_table_alloc());
  REQUIRE(nftnl_table_nlmsg_parse(msgs[1], t.get()) >= 0);
  REQUIRE(std::string(nftnl_table_get_str(t.get(), NFTNL_TABLE_NAME)) == "berth");

  struct Want {
    const char* name;
    uint32_t key_type, key_len;
  };
  const Want want[] = {{"masq4", 7, 4},
                       {"masq6", 8, 16},
                       {"masq_skip4", (7 << 6) | 20, 8},
                       {"masq_skip6", (8 << 6) | 20, 20}};
  std::map<std::string, uint32_t> set_ids;
  for (size_t i = 0; i < 4; ++i) {
    auto s = parse_set(msgs[2 + i]);
    REQUIRE(std::string(nftnl_set_get_str(s.get(), NFTNL_SET_TABLE)) == "berth");
    REQUIRE(std::string(nftnl_set_get_str(s.get(), NFTNL_SET_NAME)) == want[i].name);
    REQUIRE(nftnl_set_get_u32(s.get(), NFTNL_SET_KEY_TYPE) == want[i].key_type);
    REQUIRE(nftnl_set_get_u32(s.get(), NFTNL_SET_KEY_LEN) == want[i].key_len);
    set_ids[want[i].name] = nftnl_set_get_u32(s.get(), NFTNL_SET_ID);
  }
  REQUIRE(set_ids.size() == 4);

  UniqueChain c(nftnl_chain_alloc());
  REQUIRE(nftnl_chain_nlmsg_parse(msgs[6], c.get()) >= 0);
  REQUIRE(std::string(nftnl_chain_get_str(c.get(), NFTNL_CHAIN_NAME)) == "postrouting");
  REQUIRE(std::string(nftnl_chain_get_str(c.get(), NFTNL_CHAIN_TYPE)) == "nat");
  REQUIRE(nftnl_chain_get_u32(c.get(), NFTNL_CHAIN_HOOKNUM) == NF_INET_POST_ROUTING);
  REQUIRE(nftnl_chain_get_s32(c.get(), NFTNL_CHAIN_PRIO) == 100);
  REQUIRE(nftnl_chain_get_u32(c.get(), NFTNL_CHAIN_POLICY) == NF_ACCEPT);

  // Rule 3: ip saddr . meta oif @masq_skip4 return, built in 32-bit registers 0 and 1.
  auto skip4 = parse_rule(msgs[9]);
  REQUIRE(std::string(nftnl_rule_get_str(skip4.rule.get(), NFTNL_RULE_CHAIN)) == "postrouting");
  REQUIRE(skip4.exprs.size() == 6);
  REQUIRE(skip4.name(2) == "payload");
  REQUIRE(nftnl_expr_get_u32(skip4.exprs[2], NFTNL_EXPR_PAYLOAD_DREG) == NFT_REG32_00);
  REQUIRE(nftnl_expr_get_u32(skip4.exprs[2], NFTNL_EXPR_PAYLOAD_OFFSET) == 12);
  REQUIRE(skip4.name(3) == "meta");
  REQUIRE(nftnl_expr_get_u32(skip4.exprs[3], NFTNL_EXPR_META_KEY) == NFT_META_OIF);
  REQUIRE(nftnl_expr_get_u32(skip4.exprs[3], NFTNL_EXPR_META_DREG) == NFT_REG32_01);
  REQUIRE(skip4.name(4) == "lookup");
  REQUIRE(std::string(nftnl_expr_get_str(skip4.exprs[4], NFTNL_EXPR_LOOKUP_SET)) == "masq_skip4");
  REQUIRE(nftnl_expr_get_u32(skip4.exprs[4], NFTNL_EXPR_LOOKUP_SET_ID) == set_ids["masq_skip4"]);
  REQUIRE(nftnl_expr_get_u32(skip4.exprs[4], NFTNL_EXPR_LOOKUP_SREG) == NFT_REG32_00);
  REQUIRE(skip4.name(5) == "immediate");
  REQUIRE(int32_t(nftnl_expr_get_u32(skip4.exprs[5], NFTNL_EXPR_IMM_VERDICT)) == NFT_RETURN);

  // Rule 4: the IPv6 address fills registers 0-3, so oif goes to register 4.
  auto skip6 = parse_rule(msgs[10]);
  REQUIRE(nftnl_expr_get_u32(skip6.exprs[2], NFTNL_EXPR_PAYLOAD_LEN) == 16);
  REQUIRE(nftnl_expr_get_u32(skip6.exprs[3], NFTNL_EXPR_META_DREG) == NFT_REG32_00 + 4);

  // Rule 6: ip6 saddr @masq6 masquerade.
  auto masq6 = parse_rule(msgs[12]);
  REQUIRE(masq6.exprs.size() == 5);
  REQUIRE(std::string(nftnl_expr_get_str(masq6.exprs[3], NFTNL_EXPR_LOOKUP_SET)) == "masq6");
  REQUIRE(masq6.name(4) == "masq");
}

TEST_CASE("nft: plan_ensure adds nothing to a complete table") {
  Batch b(kTable, NFPROTO_INET);
  REQUIRE_FALSE(plan_ensure(b, masq_table(), complete_state()).value());
  REQUIRE(b.empty());
}

TEST_CASE("nft: plan_ensure refills a chain whose rules were changed without doubling them") {
  TableState st = complete_state();
  st.chains[kPostrouting] = 2;
  Batch b(kTable, NFPROTO_INET);
  REQUIRE(plan_ensure(b, masq_table(), st).value());
  REQUIRE(types(b) == std::vector<uint16_t>{NFT_MSG_NEWTABLE, NFT_MSG_DELRULE, NFT_MSG_NEWRULE,
                                            NFT_MSG_NEWRULE, NFT_MSG_NEWRULE, NFT_MSG_NEWRULE,
                                            NFT_MSG_NEWRULE, NFT_MSG_NEWRULE});
  auto msgs = split(b.finish());
  // The flush names the chain and no rule handle; the sets exist, so lookups go by name.
  auto flush = parse_rule(msgs[2]);
  REQUIRE(std::string(nftnl_rule_get_str(flush.rule.get(), NFTNL_RULE_CHAIN)) == "postrouting");
  REQUIRE_FALSE(nftnl_rule_is_set(flush.rule.get(), NFTNL_RULE_HANDLE));
  auto masq4 = parse_rule(msgs[7]);
  REQUIRE(masq4.name(3) == "lookup");
  REQUIRE_FALSE(nftnl_expr_is_set(masq4.exprs[3], NFTNL_EXPR_LOOKUP_SET_ID));
}

TEST_CASE("nft: plan_ensure creates only the missing set of an otherwise complete table") {
  TableState st = complete_state();
  st.sets.erase("masq6");
  Batch b(kTable, NFPROTO_INET);
  REQUIRE(plan_ensure(b, masq_table(), st).value());
  REQUIRE(types(b) == std::vector<uint16_t>{NFT_MSG_NEWTABLE, NFT_MSG_NEWSET});
  auto s = parse_set(split(b.finish())[2]);
  REQUIRE(std::string(nftnl_set_get_str(s.get(), NFTNL_SET_NAME)) == "masq6");
}

TEST_CASE("nft: element lists are cut into bounded messages and keep keys and tags") {
  std::vector<Element> elems;
  for (uint32_t i = 0; i < 1000; ++i) {
    Bytes key = {10, uint8_t(i >> 8), uint8_t(i), 1};
    elems.push_back({key, std::string(190, 'a' + char(i % 26)) + std::to_string(i)});
  }
  Batch b(kTable, NFPROTO_INET);
  REQUIRE(b.add_elements("masq4", elems));
  REQUIRE(b.messages().size() > 1);
  auto msgs = split(b.finish());
  std::vector<Element> back;
  for (size_t i = 1; i + 1 < msgs.size(); ++i) {
    REQUIRE(nft_type(msgs[i]) == NFT_MSG_NEWSETELEM);
    REQUIRE(msgs[i]->nlmsg_len < 48 * 1024);
    std::vector<char> copy;
    auto s = parse_elems(msgs[i], copy);
    REQUIRE(std::string(nftnl_set_get_str(s.get(), NFTNL_SET_NAME)) == "masq4");
    nftnl_set_elem_foreach(
        s.get(),
        [](nftnl_set_elem* e, void* v) {
          uint32_t klen = 0, ulen = 0;
          auto* k = static_cast<const uint8_t*>(nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &klen));
          auto* u =
              static_cast<const uint8_t*>(nftnl_set_elem_get(e, NFTNL_SET_ELEM_USERDATA, &ulen));
          static_cast<std::vector<Element>*>(v)->push_back(
              {Bytes(k, k + klen), decode_tag({u, ulen}).value_or("?")});
          return 0;
        },
        &back);
  }
  REQUIRE(back == elems);
}

TEST_CASE("nft: deleting elements sends keys only") {
  std::vector<Element> elems = {{{10, 0, 0, 1}, "net1 abc"}};
  Batch b(kTable, NFPROTO_INET);
  REQUIRE(b.delete_elements("masq4", elems));
  auto msgs = split(b.finish());
  REQUIRE(nft_type(msgs[1]) == NFT_MSG_DELSETELEM);
  std::vector<char> copy;
  auto s = parse_elems(msgs[1], copy);
  int counts[2] = {0, 0};  // elements, elements with userdata
  nftnl_set_elem_foreach(
      s.get(),
      [](nftnl_set_elem* e, void* v) {
        auto* c = static_cast<int*>(v);
        c[0] += 1;
        c[1] += nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_USERDATA) ? 1 : 0;
        return 0;
      },
      counts);
  REQUIRE(counts[0] == 1);
  REQUIRE(counts[1] == 0);
}

TEST_CASE("nft: a bad element fails and leaves the batch unchanged") {
  Batch b(kTable, NFPROTO_INET);
  std::vector<Element> good = {{{10, 0, 0, 1}, "ok"}};
  REQUIRE(b.add_elements("masq4", good));
  std::vector<Element> long_tag = {{{10, 0, 0, 2}, "ok"}, {{10, 0, 0, 3}, std::string(201, 'x')}};
  auto r = b.add_elements("masq4", long_tag);
  REQUIRE_FALSE(r);
  REQUIRE(r.error().msg.find("masq4") != std::string::npos);
  std::vector<Element> no_key = {{{}, "ok"}};
  REQUIRE_FALSE(b.add_elements("masq4", no_key));
  REQUIRE(b.messages().size() == 1);
}
