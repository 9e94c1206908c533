#include "core/nft/expr.h"

#include <sys/socket.h>

#include <cstring>
#include <type_traits>

#include "core/nft/netfilter.h"

namespace berth::nft {
namespace {

// Header offsets of the address fields (network header = the IP header).
constexpr uint32_t kIp4Saddr = 12, kIp4Daddr = 16;
constexpr uint32_t kIp6Saddr = 8, kIp6Daddr = 24;

template <class... Fs>
struct Overload : Fs... {
  using Fs::operator()...;
};

UniqueExpr alloc(const char* name) { return UniqueExpr(nftnl_expr_alloc(name)); }

PayloadLoad ip_addr_payload(int family, bool source, uint32_t dreg) {
  bool v4 = family == AF_INET;
  uint32_t offset = v4 ? (source ? kIp4Saddr : kIp4Daddr) : (source ? kIp6Saddr : kIp6Daddr);
  return PayloadLoad{NFT_PAYLOAD_NETWORK_HEADER, offset, v4 ? 4u : 16u, dreg};
}

Rule match_prefix(int family, bool source, const uint8_t* addr, int len) {
  bool v4 = family == AF_INET;
  PayloadLoad load = ip_addr_payload(family, source, NFT_REG_1);
  Rule tail;
  if (len % 8 == 0) {
    // Whole bytes: load only the prefix bytes and compare them (what nft emits).
    load.len = uint32_t(len / 8);
    tail = {load, Cmp{NFT_REG_1, NFT_CMP_EQ, Bytes(addr, addr + len / 8)}};
  } else {
    // Partial byte: load the whole address, mask it, compare with the masked prefix.
    Bytes mask(load.len, 0), want(load.len, 0);
    for (int i = 0; i < len; ++i) mask[size_t(i / 8)] |= uint8_t(0x80 >> (i % 8));
    for (size_t i = 0; i < want.size(); ++i) want[i] = addr[i] & mask[i];
    tail = {load, Bitwise{NFT_REG_1, mask, Bytes(load.len, 0)}, Cmp{NFT_REG_1, NFT_CMP_EQ, want}};
  }
  Rule r = match_nfproto(v4 ? NFPROTO_IPV4 : NFPROTO_IPV6);
  r.insert(r.end(), tail.begin(), tail.end());
  return r;
}

}  // namespace

const char* expr_name(const Expr& e) {
  return std::visit(Overload{
                        [](const MetaLoad&) { return "meta"; },
                        [](const PayloadLoad&) { return "payload"; },
                        [](const Cmp&) { return "cmp"; },
                        [](const Bitwise&) { return "bitwise"; },
                        [](const Lookup&) { return "lookup"; },
                        [](const Verdict&) { return "immediate"; },
                        [](const Masquerade&) { return "masq"; },
                        [](const CtLoad&) { return "ct"; },
                        [](const Fib&) { return "fib"; },
                        [](const Nat&) { return "nat"; },
                        [](const MetaSet&) { return "meta"; },
                    },
                    e);
}

Result<UniqueExpr> to_nftnl(const Expr& e, uint32_t set_id) {
  UniqueExpr x = alloc(expr_name(e));
  if (!x) return fail(Code::kInternal, std::string("allocate nft expression ") + expr_name(e));
  nftnl_expr* p = x.get();
  std::visit(
      Overload{
          [&](const MetaLoad& m) {
            nftnl_expr_set_u32(p, NFTNL_EXPR_META_KEY, m.key);
            nftnl_expr_set_u32(p, NFTNL_EXPR_META_DREG, m.dreg);
          },
          [&](const MetaSet& m) {
            nftnl_expr_set_u32(p, NFTNL_EXPR_META_KEY, m.key);
            nftnl_expr_set_u32(p, NFTNL_EXPR_META_SREG, m.sreg);
          },
          [&](const PayloadLoad& l) {
            nftnl_expr_set_u32(p, NFTNL_EXPR_PAYLOAD_BASE, l.base);
            nftnl_expr_set_u32(p, NFTNL_EXPR_PAYLOAD_OFFSET, l.offset);
            nftnl_expr_set_u32(p, NFTNL_EXPR_PAYLOAD_LEN, l.len);
            nftnl_expr_set_u32(p, NFTNL_EXPR_PAYLOAD_DREG, l.dreg);
          },
          [&](const Cmp& c) {
            nftnl_expr_set_u32(p, NFTNL_EXPR_CMP_SREG, c.sreg);
            nftnl_expr_set_u32(p, NFTNL_EXPR_CMP_OP, c.op);
            nftnl_expr_set(p, NFTNL_EXPR_CMP_DATA, c.data.data(), uint32_t(c.data.size()));
          },
          [&](const Bitwise& b) {
            nftnl_expr_set_u32(p, NFTNL_EXPR_BITWISE_SREG, b.reg);
            nftnl_expr_set_u32(p, NFTNL_EXPR_BITWISE_DREG, b.reg);
            nftnl_expr_set_u32(p, NFTNL_EXPR_BITWISE_LEN, uint32_t(b.mask.size()));
            nftnl_expr_set(p, NFTNL_EXPR_BITWISE_MASK, b.mask.data(), uint32_t(b.mask.size()));
            nftnl_expr_set(p, NFTNL_EXPR_BITWISE_XOR, b.xor_.data(), uint32_t(b.xor_.size()));
          },
          [&](const Lookup& l) {
            nftnl_expr_set_u32(p, NFTNL_EXPR_LOOKUP_SREG, l.sreg);
            nftnl_expr_set_str(p, NFTNL_EXPR_LOOKUP_SET, l.set.c_str());
            // The kernel resolves the name first and falls back to the id, which
            // is how a rule can refer to a set created earlier in its own batch.
            if (set_id != 0) nftnl_expr_set_u32(p, NFTNL_EXPR_LOOKUP_SET_ID, set_id);
            if (l.dreg != 0) nftnl_expr_set_u32(p, NFTNL_EXPR_LOOKUP_DREG, l.dreg);
            if (l.invert) nftnl_expr_set_u32(p, NFTNL_EXPR_LOOKUP_FLAGS, NFT_LOOKUP_F_INV);
          },
          [&](const Verdict& v) {
            nftnl_expr_set_u32(p, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
            nftnl_expr_set_u32(p, NFTNL_EXPR_IMM_VERDICT, uint32_t(v.code));
          },
          [&](const Masquerade&) {},
          [&](const CtLoad& c) {
            nftnl_expr_set_u32(p, NFTNL_EXPR_CT_KEY, c.key);
            nftnl_expr_set_u32(p, NFTNL_EXPR_CT_DREG, c.dreg);
          },
          [&](const Fib& f) {
            nftnl_expr_set_u32(p, NFTNL_EXPR_FIB_FLAGS, f.flags);
            nftnl_expr_set_u32(p, NFTNL_EXPR_FIB_RESULT, f.result);
            nftnl_expr_set_u32(p, NFTNL_EXPR_FIB_DREG, f.dreg);
          },
          [&](const Nat& n) {
            nftnl_expr_set_u32(p, NFTNL_EXPR_NAT_TYPE, n.type);
            nftnl_expr_set_u32(p, NFTNL_EXPR_NAT_FAMILY, n.family);
            nftnl_expr_set_u32(p, NFTNL_EXPR_NAT_REG_ADDR_MIN, n.reg_addr);
            if (n.reg_proto != 0) nftnl_expr_set_u32(p, NFTNL_EXPR_NAT_REG_PROTO_MIN, n.reg_proto);
          },
      },
      e);
  return x;
}

Rule match_nfproto(uint8_t nfproto) {
  // nft compares nfproto as one byte; matching that keeps `nft list` output readable.
  return {MetaLoad{NFT_META_NFPROTO, NFT_REG_1}, Cmp{NFT_REG_1, NFT_CMP_EQ, Bytes{nfproto}}};
}

Expr load_ip_addr(int family, bool source, uint32_t dreg) {
  return ip_addr_payload(family, source, dreg);
}

Rule match_daddr_prefix(int family, const uint8_t* addr, int len) {
  return match_prefix(family, false, addr, len);
}

Rule match_saddr_prefix(int family, const uint8_t* addr, int len) {
  return match_prefix(family, true, addr, len);
}

Rule match_ct_status(uint32_t bits, bool set) {
  // ct status is a host-order u32; nft tests bits as (status & bits) != 0 / == 0.
  auto u32 = [](uint32_t v) {
    Bytes b(4);
    std::memcpy(b.data(), &v, 4);
    return b;
  };
  return {CtLoad{NFT_CT_STATUS, NFT_REG_1}, Bitwise{NFT_REG_1, u32(bits), u32(0)},
          Cmp{NFT_REG_1, set ? uint32_t(NFT_CMP_NEQ) : uint32_t(NFT_CMP_EQ), u32(0)}};
}

}  // namespace berth::nft
