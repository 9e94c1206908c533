#include "core/nft/element.h"

#include <libnftnl/set.h>
#include <libnftnl/udata.h>
#include <linux/netfilter/nf_tables.h>

#include <algorithm>
#include <map>
#include <set>

#include "core/nft/handles.h"
#include "core/nft/socket.h"

namespace berth::nft {

Result<Bytes> encode_tag(std::string_view tag) {
  if (tag.empty() || tag.size() > kMaxTagLen || tag.find('\0') != std::string_view::npos)
    return fail(Code::kInvalidConfig, "bad nftables element tag `" + std::string(tag) + "`",
                "a tag is 1-" + std::to_string(kMaxTagLen) + " bytes without NUL");
  // One record: type, length, the string with its NUL (what nft reads as a comment).
  UniqueUdataBuf buf(nftnl_udata_buf_alloc(uint32_t(tag.size()) + 3));
  if (!buf ||
      !nftnl_udata_put_strz(buf.get(), NFTNL_UDATA_SET_ELEM_COMMENT, std::string(tag).c_str()))
    return fail(Code::kInternal, "encode nftables element tag");
  const auto* p = static_cast<const uint8_t*>(nftnl_udata_buf_data(buf.get()));
  return Bytes(p, p + nftnl_udata_buf_len(buf.get()));
}

std::optional<std::string> decode_tag(std::span<const uint8_t> userdata) {
  // Walk the type-length-value records ourselves: userdata comes from the kernel as
  // whoever wrote it left it, and each record must be checked against the buffer's end.
  size_t i = 0;
  while (i + 2 <= userdata.size()) {
    uint8_t type = userdata[i], len = userdata[i + 1];
    if (i + 2 + len > userdata.size()) return std::nullopt;
    const uint8_t* value = userdata.data() + i + 2;
    if (type == NFTNL_UDATA_SET_ELEM_COMMENT) {
      if (len < 2 || value[len - 1] != '\0') return std::nullopt;
      return std::string(reinterpret_cast<const char*>(value), len - 1);
    }
    i += 2 + len;
  }
  return std::nullopt;
}

namespace {

// Appends the elements in one GETSETELEM reply to `out`.
Result<> parse_elements(const Socket::Message& msg, const std::string& set,
                        std::vector<Element>& out) {
  UniqueSet s(nftnl_set_alloc());
  if (nftnl_set_elems_nlmsg_parse(reinterpret_cast<const nlmsghdr*>(msg.data()), s.get()) < 0)
    return fail(Code::kNftables, "parse elements of set `" + set + "`");
  nftnl_set_elem_foreach(
      s.get(),
      [](nftnl_set_elem* e, void* data) -> int {
        Element el;
        uint32_t len = 0;
        const auto* key =
            static_cast<const uint8_t*>(nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &len));
        if (key) el.key.assign(key, key + len);
        if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_DATA)) {
          const auto* v =
              static_cast<const uint8_t*>(nftnl_set_elem_get(e, NFTNL_SET_ELEM_DATA, &len));
          if (v) el.data.assign(v, v + len);
        }
        if (nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_USERDATA)) {
          const auto* ud =
              static_cast<const uint8_t*>(nftnl_set_elem_get(e, NFTNL_SET_ELEM_USERDATA, &len));
          el.tag = decode_tag({ud, len}).value_or("");
        }
        static_cast<std::vector<Element>*>(data)->push_back(std::move(el));
        return 0;
      },
      &out);
  return {};
}

}  // namespace

namespace {

Result<std::vector<Element>> dump_once(Socket& sock, const std::string& table, uint32_t family,
                                       const std::string& set) {
  auto replies = BERTH_TRY(sock.get(NFT_MSG_GETSETELEM, uint16_t(family), true, [&](nlmsghdr* nlh) {
    UniqueSet s(nftnl_set_alloc());
    nftnl_set_set_str(s.get(), NFTNL_SET_TABLE, table.c_str());
    nftnl_set_set_str(s.get(), NFTNL_SET_NAME, set.c_str());
    nftnl_set_elems_nlmsg_build_payload(nlh, s.get());
  }));
  std::vector<Element> out;
  if (!replies) return out;  // no such table or set
  for (const auto& msg : *replies) BERTH_TRY(parse_elements(msg, set, out));
  return out;
}

// Drops repeated keys (the first stays); whether there were any.
bool drop_repeats(std::vector<Element>& elems) {
  std::set<Bytes> seen;
  auto end = std::remove_if(elems.begin(), elems.end(),
                            [&](const Element& el) { return !seen.insert(el.key).second; });
  bool repeated = end != elems.end();
  elems.erase(end, elems.end());
  return repeated;
}

}  // namespace

Result<std::vector<Element>> dump_elements(Socket& sock, const std::string& table, uint32_t family,
                                           const std::string& set) {
  // A hash set's dump walks an rhashtable across several netlink messages, resuming by
  // count; when the kernel resizes the table between two messages (it does so in a worker,
  // after a churn of adds and deletes, whoever holds berth's lock) the walk's order changes
  // and the dump repeats some elements and can miss others, without NLM_F_DUMP_INTR. A
  // repeated key gives the resize away: read again. (Seen in the 64-worker storm: DEL
  // deleted one element twice in a batch and the kernel refused it with ENOENT.)
  std::vector<Element> out;
  for (int attempt = 0; attempt < 4; ++attempt) {
    out = BERTH_TRY(dump_once(sock, table, family, set));
    if (!drop_repeats(out)) return out;
  }
  return out;  // still churning: without repeats, at least
}

Result<std::optional<Element>> get_element(Socket& sock, const std::string& table, uint32_t family,
                                           const std::string& set, const Bytes& key) {
  // A GETSETELEM without NLM_F_DUMP asks for the listed keys only (`nft get element`).
  auto replies =
      BERTH_TRY(sock.get(NFT_MSG_GETSETELEM, uint16_t(family), false, [&](nlmsghdr* nlh) {
        UniqueSet s(nftnl_set_alloc());
        nftnl_set_set_str(s.get(), NFTNL_SET_TABLE, table.c_str());
        nftnl_set_set_str(s.get(), NFTNL_SET_NAME, set.c_str());
        UniqueSetElem e(nftnl_set_elem_alloc());
        nftnl_set_elem_set(e.get(), NFTNL_SET_ELEM_KEY, key.data(), uint32_t(key.size()));
        nftnl_set_elem_add(s.get(), e.release());  // the set owns it now
        nftnl_set_elems_nlmsg_build_payload(nlh, s.get());
      }));
  std::vector<Element> out;
  if (!replies) return std::optional<Element>();  // no such element, set or table
  for (const auto& msg : *replies) BERTH_TRY(parse_elements(msg, set, out));
  for (auto& el : out)
    if (el.key == key) return std::optional<Element>(std::move(el));
  return std::optional<Element>();
}

Result<std::vector<std::optional<Element>>> find_elements(Socket& sock, const std::string& table,
                                                          uint32_t family, const std::string& set,
                                                          std::span<const Bytes> keys) {
  std::vector<std::optional<Element>> out;
  out.reserve(keys.size());
  if (keys.size() <= kLookupsBeforeDump) {
    for (const auto& key : keys) out.push_back(BERTH_TRY(get_element(sock, table, family, set, key)));
    return out;
  }
  std::map<Bytes, Element> installed;
  for (auto& el : BERTH_TRY(dump_elements(sock, table, family, set))) {
    Bytes key = el.key;
    installed.emplace(std::move(key), std::move(el));
  }
  for (const auto& key : keys) {
    auto it = installed.find(key);
    out.push_back(it == installed.end() ? std::nullopt : std::optional<Element>(it->second));
  }
  return out;
}

}  // namespace berth::nft
