#include "core/nft/batch.h"

#include <libmnl/libmnl.h>
#include <libnftnl/common.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include <utility>

#include "core/nft/handles.h"

namespace berth::nft {
namespace {

// Room reserved for one message; libnftnl writes attributes without bounds checks, so
// every message must stay below this. Element lists are cut at kElemChunkBytes (the
// kernel also caps one nested element list at 64 KiB); everything else is tiny.
constexpr size_t kMaxMessage = 64 * 1024;
constexpr size_t kElemChunkBytes = 32 * 1024;
// Per-element overhead of the attribute headers around key and userdata, rounded up.
constexpr size_t kElemOverhead = 64;

std::string quoted(const std::string& name) { return "`" + name + "`"; }

}  // namespace

Batch::Batch(std::string table, uint32_t family, uint32_t first_seq)
    : table_(std::move(table)), family_(family), seq_(first_seq) {
  buf_.resize(kMaxMessage);
  used_ = nftnl_batch_begin(buf_.data(), seq_++)->nlmsg_len;
  buf_.resize(used_);
}

nlmsghdr* Batch::begin_msg(uint16_t type, uint16_t flags, std::string what) {
  if (finished_) {  // take the END off again; finish() puts it back
    used_ = end_at_;
    --seq_;
    finished_ = false;
  }
  buf_.resize(used_ + kMaxMessage);
  nlmsghdr* nlh =
      nftnl_nlmsg_build_hdr(buf_.data() + used_, type, uint16_t(family_), flags | NLM_F_ACK, seq_);
  msgs_.push_back({seq_++, type, std::move(what)});
  return nlh;
}

void Batch::end_msg(nlmsghdr* nlh) {
  used_ += nlh->nlmsg_len;
  buf_.resize(used_);
}

uint32_t Batch::set_id(const std::string& set) const {
  auto it = set_ids_.find(set_key(set));
  return it == set_ids_.end() ? 0 : it->second;
}

std::string Batch::set_key(const std::string& set) const {
  return std::to_string(family_) + " " + table_ + " " + set;
}

void Batch::use_table(std::string table, uint32_t family) {
  table_ = std::move(table);
  family_ = family;
}

void Batch::add_table() {
  UniqueTable t(nftnl_table_alloc());
  nftnl_table_set_str(t.get(), NFTNL_TABLE_NAME, table_.c_str());
  nftnl_table_set_u32(t.get(), NFTNL_TABLE_FLAGS, 0);
  // No NLM_F_EXCL: an existing table is fine. The same holds for sets and chains below.
  nlmsghdr* nlh = begin_msg(NFT_MSG_NEWTABLE, NLM_F_CREATE, "add table " + quoted(table_));
  nftnl_table_nlmsg_build_payload(nlh, t.get());
  end_msg(nlh);
}

void Batch::delete_table() {
  UniqueTable t(nftnl_table_alloc());
  nftnl_table_set_str(t.get(), NFTNL_TABLE_NAME, table_.c_str());
  nlmsghdr* nlh = begin_msg(NFT_MSG_DELTABLE, 0, "delete table " + quoted(table_));
  nftnl_table_nlmsg_build_payload(nlh, t.get());
  end_msg(nlh);
}

void Batch::add_set(const SetSpec& spec) {
  // Transaction ids let later messages of this batch name the set before it exists.
  uint32_t id = uint32_t(set_ids_.size()) + 1;
  set_ids_[set_key(spec.name)] = id;
  UniqueSet s(nftnl_set_alloc());
  nftnl_set_set_str(s.get(), NFTNL_SET_TABLE, table_.c_str());
  nftnl_set_set_str(s.get(), NFTNL_SET_NAME, spec.name.c_str());
  nftnl_set_set_u32(s.get(), NFTNL_SET_FLAGS, spec.flags);
  nftnl_set_set_u32(s.get(), NFTNL_SET_KEY_TYPE, spec.key_type);
  nftnl_set_set_u32(s.get(), NFTNL_SET_KEY_LEN, spec.key_len);
  if (spec.flags & NFT_SET_MAP) {
    nftnl_set_set_u32(s.get(), NFTNL_SET_DATA_TYPE, spec.data_type);
    nftnl_set_set_u32(s.get(), NFTNL_SET_DATA_LEN, spec.data_len);
  }
  nftnl_set_set_u32(s.get(), NFTNL_SET_ID, id);
  if (spec.key_byteorder != 0) {
    UniqueUdataBuf ud(nftnl_udata_buf_alloc(16));
    if (ud && nftnl_udata_put_u32(ud.get(), NFTNL_UDATA_SET_KEYBYTEORDER, spec.key_byteorder))
      nftnl_set_set_data(s.get(), NFTNL_SET_USERDATA, nftnl_udata_buf_data(ud.get()),
                         nftnl_udata_buf_len(ud.get()));
  }
  nlmsghdr* nlh = begin_msg(NFT_MSG_NEWSET, NLM_F_CREATE, "add set " + quoted(spec.name));
  nftnl_set_nlmsg_build_payload(nlh, s.get());
  end_msg(nlh);
}

void Batch::add_chain(const ChainSpec& spec) {
  UniqueChain c(nftnl_chain_alloc());
  nftnl_chain_set_str(c.get(), NFTNL_CHAIN_TABLE, table_.c_str());
  nftnl_chain_set_str(c.get(), NFTNL_CHAIN_NAME, spec.name.c_str());
  nftnl_chain_set_str(c.get(), NFTNL_CHAIN_TYPE, spec.type.c_str());
  nftnl_chain_set_u32(c.get(), NFTNL_CHAIN_HOOKNUM, spec.hook);
  nftnl_chain_set_s32(c.get(), NFTNL_CHAIN_PRIO, spec.priority);
  nftnl_chain_set_u32(c.get(), NFTNL_CHAIN_POLICY, spec.policy);
  nlmsghdr* nlh = begin_msg(NFT_MSG_NEWCHAIN, NLM_F_CREATE, "add chain " + quoted(spec.name));
  nftnl_chain_nlmsg_build_payload(nlh, c.get());
  end_msg(nlh);
}

void Batch::flush_chain(const std::string& chain) {
  // DELRULE naming a chain but no rule handle deletes every rule in the chain.
  UniqueRule r(nftnl_rule_alloc());
  nftnl_rule_set_str(r.get(), NFTNL_RULE_TABLE, table_.c_str());
  nftnl_rule_set_str(r.get(), NFTNL_RULE_CHAIN, chain.c_str());
  nlmsghdr* nlh = begin_msg(NFT_MSG_DELRULE, 0, "flush chain " + quoted(chain));
  nftnl_rule_nlmsg_build_payload(nlh, r.get());
  end_msg(nlh);
}

Result<> Batch::add_rule(const std::string& chain, const Rule& rule) {
  UniqueRule r(nftnl_rule_alloc());
  nftnl_rule_set_str(r.get(), NFTNL_RULE_TABLE, table_.c_str());
  nftnl_rule_set_str(r.get(), NFTNL_RULE_CHAIN, chain.c_str());
  for (const Expr& e : rule) {
    const auto* lookup = std::get_if<Lookup>(&e);
    UniqueExpr x = BERTH_TRY(to_nftnl(e, lookup ? set_id(lookup->set) : 0));
    nftnl_rule_add_expr(r.get(), x.release());  // the rule owns it now
  }
  nlmsghdr* nlh =
      begin_msg(NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND, "add rule to chain " + quoted(chain));
  nftnl_rule_nlmsg_build_payload(nlh, r.get());
  end_msg(nlh);
  return {};
}

Result<> Batch::add_elements(const std::string& set, std::span<const Element> elems) {
  return put_elements(NFT_MSG_NEWSETELEM, set, elems);
}

Result<> Batch::delete_elements(const std::string& set, std::span<const Element> elems) {
  return put_elements(NFT_MSG_DELSETELEM, set, elems);
}

Result<> Batch::put_elements(uint16_t type, const std::string& set,
                             std::span<const Element> elems) {
  // Validate everything first so a bad element leaves the batch as it was.
  std::vector<Bytes> udata(elems.size());
  for (size_t i = 0; i < elems.size(); ++i) {
    if (elems[i].key.empty() || elems[i].key.size() > NFT_DATA_VALUE_MAXLEN ||
        elems[i].data.size() > NFT_DATA_VALUE_MAXLEN)
      return fail(Code::kInternal, "set " + quoted(set) + ": bad element key or value length " +
                                       std::to_string(elems[i].key.size()));
    if (elems[i].tag.empty()) continue;
    auto encoded = encode_tag(elems[i].tag);
    if (!encoded) return std::unexpected(encoded.error().wrap("set " + quoted(set)));
    udata[i] = std::move(*encoded);
  }
  bool add = type == NFT_MSG_NEWSETELEM;
  for (size_t i = 0; i < elems.size();) {
    UniqueSet s(nftnl_set_alloc());
    nftnl_set_set_str(s.get(), NFTNL_SET_TABLE, table_.c_str());
    nftnl_set_set_str(s.get(), NFTNL_SET_NAME, set.c_str());
    if (uint32_t id = set_id(set)) nftnl_set_set_u32(s.get(), NFTNL_SET_ID, id);
    size_t start = i, bytes = 0;
    for (; i < elems.size() && bytes < kElemChunkBytes; ++i) {
      UniqueSetElem e(nftnl_set_elem_alloc());
      nftnl_set_elem_set(e.get(), NFTNL_SET_ELEM_KEY, elems[i].key.data(),
                         uint32_t(elems[i].key.size()));
      // Deletion matches on the key alone; the tag only matters when adding.
      if (add && !udata[i].empty())
        nftnl_set_elem_set(e.get(), NFTNL_SET_ELEM_USERDATA, udata[i].data(),
                           uint32_t(udata[i].size()));
      if (add && !elems[i].data.empty())
        nftnl_set_elem_set(e.get(), NFTNL_SET_ELEM_DATA, elems[i].data.data(),
                           uint32_t(elems[i].data.size()));
      bytes += elems[i].key.size() + elems[i].data.size() + udata[i].size() + kElemOverhead;
      nftnl_set_elem_add(s.get(), e.release());  // the set owns it now
    }
    std::string what = std::string(add ? "add " : "delete ") + std::to_string(i - start) +
                       " element(s) " + (add ? "to" : "from") + " set " + quoted(set);
    // NEWSETELEM without NLM_F_EXCL: an existing element is not an error.
    nlmsghdr* nlh = begin_msg(type, add ? NLM_F_CREATE : 0, std::move(what));
    nftnl_set_elems_nlmsg_build_payload(nlh, s.get());
    end_msg(nlh);
  }
  return {};
}

std::span<const char> Batch::finish() {
  if (!finished_) {
    end_at_ = used_;
    buf_.resize(used_ + kMaxMessage);
    used_ += nftnl_batch_end(buf_.data() + used_, seq_++)->nlmsg_len;
    buf_.resize(used_);
    finished_ = true;
  }
  return {buf_.data(), used_};
}

}  // namespace berth::nft
