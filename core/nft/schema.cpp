#include "core/nft/schema.h"

#include <libnftnl/chain.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <linux/netfilter/nf_tables.h>

#include <cstring>

#include "core/nft/batch.h"
#include "core/nft/handles.h"
#include "core/nft/socket.h"

namespace berth::nft {
namespace {

const nlmsghdr* as_nlh(const Socket::Message& m) {
  return reinterpret_cast<const nlmsghdr*>(m.data());
}

bool same(const char* a, const std::string& b) { return a && b == a; }
std::string str(const char* s) { return s ? s : ""; }

}  // namespace

Result<TableState> read_state(Socket& sock, const std::string& table, uint32_t family) {
  TableState st;
  auto f = uint16_t(family);
  auto tables = BERTH_TRY(sock.get(NFT_MSG_GETTABLE, f, false, [&](nlmsghdr* nlh) {
    UniqueTable t(nftnl_table_alloc());
    nftnl_table_set_str(t.get(), NFTNL_TABLE_NAME, table.c_str());
    nftnl_table_nlmsg_build_payload(nlh, t.get());
  }));
  if (!tables) return st;
  st.exists = true;

  auto sets = BERTH_TRY(sock.get(NFT_MSG_GETSET, f, true, [&](nlmsghdr* nlh) {
    UniqueSet s(nftnl_set_alloc());
    nftnl_set_set_str(s.get(), NFTNL_SET_TABLE, table.c_str());  // kernel-side filter
    nftnl_set_nlmsg_build_payload(nlh, s.get());
  }));
  for (const auto& m : sets.value_or(std::vector<Socket::Message>{})) {
    UniqueSet s(nftnl_set_alloc());
    if (nftnl_set_nlmsg_parse(as_nlh(m), s.get()) < 0)
      return fail(Code::kNftables, "parse nftables set dump");
    if (same(nftnl_set_get_str(s.get(), NFTNL_SET_TABLE), table))
      st.sets.insert(str(nftnl_set_get_str(s.get(), NFTNL_SET_NAME)));
  }

  // Chain dumps cannot be filtered by table in the kernel; filter here.
  auto chains = BERTH_TRY(sock.get(NFT_MSG_GETCHAIN, f, true));
  for (const auto& m : chains.value_or(std::vector<Socket::Message>{})) {
    UniqueChain c(nftnl_chain_alloc());
    if (nftnl_chain_nlmsg_parse(as_nlh(m), c.get()) < 0)
      return fail(Code::kNftables, "parse nftables chain dump");
    if (same(nftnl_chain_get_str(c.get(), NFTNL_CHAIN_TABLE), table))
      st.chains.emplace(str(nftnl_chain_get_str(c.get(), NFTNL_CHAIN_NAME)), 0);
  }

  auto rules = BERTH_TRY(sock.get(NFT_MSG_GETRULE, f, true, [&](nlmsghdr* nlh) {
    UniqueRule r(nftnl_rule_alloc());
    nftnl_rule_set_str(r.get(), NFTNL_RULE_TABLE, table.c_str());  // kernel-side filter
    nftnl_rule_nlmsg_build_payload(nlh, r.get());
  }));
  for (const auto& m : rules.value_or(std::vector<Socket::Message>{})) {
    UniqueRule r(nftnl_rule_alloc());
    if (nftnl_rule_nlmsg_parse(as_nlh(m), r.get()) < 0)
      return fail(Code::kNftables, "parse nftables rule dump");
    if (same(nftnl_rule_get_str(r.get(), NFTNL_RULE_TABLE), table))
      ++st.chains[str(nftnl_rule_get_str(r.get(), NFTNL_RULE_CHAIN))];
  }
  return st;
}

Result<bool> plan_ensure(Batch& batch, const TableSpec& spec, const TableState& state) {
  auto chain_ok = [&](const ChainSpec& c) {
    auto it = state.chains.find(c.name);
    return it != state.chains.end() && it->second == c.rules.size();
  };
  bool complete = state.exists;
  for (const auto& s : spec.sets) complete = complete && state.sets.contains(s.name);
  for (const auto& c : spec.chains) complete = complete && chain_ok(c);
  if (complete) return false;

  // The table, sets and chains are created without NLM_F_EXCL, so re-adding one that
  // exists is harmless; only rules must not be added twice, hence the per-chain check.
  batch.add_table();
  for (const auto& s : spec.sets)
    if (!state.sets.contains(s.name)) batch.add_set(s);
  for (const auto& c : spec.chains) {
    if (chain_ok(c)) continue;
    if (state.chains.contains(c.name))
      batch.flush_chain(c.name);  // rules were removed or edited behind berth's back
    else
      batch.add_chain(c);
    for (const Rule& r : c.rules) BERTH_TRY(batch.add_rule(c.name, r));
  }
  return true;
}

}  // namespace berth::nft
