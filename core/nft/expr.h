// nftables rule expressions as plain values. A rule is a list of these; Batch turns them
// into libnftnl expressions when the rule is added (so set references can be resolved to
// the transaction ids of sets created in the same batch). The helpers at the bottom
// spell the few matches berth needs the way `nft` itself encodes them for inet tables.
#pragma once

#include <linux/netfilter/nf_tables.h>

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "core/error.h"
#include "core/nft/handles.h"

namespace berth::nft {

using Bytes = std::vector<uint8_t>;

struct MetaLoad {  // meta <key> => dreg
  uint32_t key;
  uint32_t dreg;
};
struct PayloadLoad {  // <len> bytes at <base> + <offset> => dreg
  uint32_t base;
  uint32_t offset;
  uint32_t len;
  uint32_t dreg;
};
struct Cmp {  // sreg <op> data
  uint32_t sreg;
  uint32_t op;
  Bytes data;
};
struct Bitwise {  // reg = (reg & mask) ^ xor_; mask and xor_ have the same length
  uint32_t reg;
  Bytes mask;
  Bytes xor_;
};
struct Lookup {  // sreg in @set; with a dreg, a map lookup: the element's value => dreg
  uint32_t sreg;
  std::string set;
  uint32_t dreg = 0;    // 0: a plain set lookup
  bool invert = false;  // sreg != @set (plain set lookups only)
};
struct Verdict {  // NFT_RETURN, NF_ACCEPT, NF_DROP, ...
  int32_t code;
};
struct Masquerade {};
struct MetaSet {  // meta <key> set sreg (e.g. the packet's mark)
  uint32_t key;
  uint32_t sreg;
};
struct CtLoad {  // ct <key> (of the packet's connection) => dreg
  uint32_t key;  // NFT_CT_*
  uint32_t dreg;
};
struct Fib {        // fib <flags> <result> => dreg, e.g. `fib daddr type`
  uint32_t flags;   // NFTA_FIB_F_*
  uint32_t result;  // NFT_FIB_RESULT_*
  uint32_t dreg;
};
struct Nat {        // dnat/snat to the address in reg_addr and the port in reg_proto
  uint32_t type;    // NFT_NAT_DNAT or NFT_NAT_SNAT
  uint32_t family;  // NFPROTO_IPV4 or NFPROTO_IPV6
  uint32_t reg_addr;
  uint32_t reg_proto;  // 0: keep the port
};

using Expr = std::variant<MetaLoad, PayloadLoad, Cmp, Bitwise, Lookup, Verdict, Masquerade, CtLoad,
                          Fib, Nat, MetaSet>;
using Rule = std::vector<Expr>;

// Builds the libnftnl expression. `set_id` is the batch id of a Lookup's set when that set
// is created in the same batch (0: the set already exists and is found by name).
[[nodiscard]] Result<UniqueExpr> to_nftnl(const Expr& e, uint32_t set_id = 0);

// The name of e's libnftnl expression type ("meta", "cmp", ...), for messages and tests.
[[nodiscard]] const char* expr_name(const Expr& e);

// ---- matches, as nft encodes them in an inet table ----

// meta nfproto == <proto>: every ip/ip6 match in an inet table starts with this.
[[nodiscard]] Rule match_nfproto(uint8_t nfproto);
// Loads the IPv4/IPv6 source or destination address into `dreg`.
[[nodiscard]] Expr load_ip_addr(int family, bool source, uint32_t dreg = NFT_REG_1);
// ip daddr <prefix> / ip6 daddr <prefix>: the match for `addr/len` in `family`.
[[nodiscard]] Rule match_daddr_prefix(int family, const uint8_t* addr, int len);
// ip saddr <prefix> / ip6 saddr <prefix>.
[[nodiscard]] Rule match_saddr_prefix(int family, const uint8_t* addr, int len);
// ct status <bits> (any of them) when `set`, else ct status & <bits> == 0.
[[nodiscard]] Rule match_ct_status(uint32_t bits, bool set);

}  // namespace berth::nft
