#include "core/nft/portmap.h"

#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <cstring>

#include "core/nft/netfilter.h"

namespace berth::nft {
namespace {

constexpr int32_t kPrioDstnat = -100;
constexpr int32_t kPrioPortsSnat = 99;  // srcnat - 1: before masquerade's own-bridge skip
constexpr uint32_t kThDportOffset = 2;  // tcp, udp and sctp all keep dport at offset 2

// Registers of a concatenation: each field starts on a 32-bit register boundary.
constexpr uint32_t reg32(uint32_t n) { return NFT_REG32_00 + n; }

Bytes u32(uint32_t v) {
  Bytes b(4);
  std::memcpy(b.data(), &v, 4);
  return b;
}

void append(Bytes& to, const Bytes& b) { to.insert(to.end(), b.begin(), b.end()); }
void append_addr(Bytes& to, const IpAddr& a) { to.insert(to.end(), a.data(), a.data() + a.size()); }
// A concatenation field of 1 or 2 bytes, padded to 4 as the kernel stores it.
void append_proto(Bytes& to, uint8_t p) { append(to, {p, 0, 0, 0}); }
void append_port(Bytes& to, uint16_t port) {  // network order, as `th dport` loads it
  append(to, {uint8_t(port >> 8), uint8_t(port & 0xff), 0, 0});
}

// `fib daddr type != local return`: only connections to the host's own addresses are
// published ports (what `-m addrtype --dst-type LOCAL` does for the reference portmap).
Rule only_local() {
  return {Fib{NFTA_FIB_F_DADDR, NFT_FIB_RESULT_ADDRTYPE, NFT_REG_1},
          Cmp{NFT_REG_1, NFT_CMP_NEQ, u32(RTN_LOCAL)}, Verdict{NFT_RETURN}};
}

// `dnat ip[6] to [ip[6] daddr .] meta l4proto . th dport map @<map>`.
Rule dnat_by_map(int family, bool by_addr) {
  bool v4 = family == AF_INET;
  uint32_t addr_regs = v4 ? 1 : 4;  // registers an address takes
  Rule r = match_nfproto(v4 ? NFPROTO_IPV4 : NFPROTO_IPV6);
  uint32_t next = 0;
  if (by_addr) {
    r.push_back(load_ip_addr(family, false, reg32(0)));
    next = addr_regs;
  }
  r.push_back(MetaLoad{NFT_META_L4PROTO, reg32(next)});
  r.push_back(PayloadLoad{NFT_PAYLOAD_TRANSPORT_HEADER, kThDportOffset, 2, reg32(next + 1)});
  const char* map = v4 ? (by_addr ? kPorts4 : kPorts4Any) : (by_addr ? kPorts6 : kPorts6Any);
  // The value (address . port) lands in the registers the key came from.
  r.push_back(Lookup{reg32(0), map, reg32(0)});
  r.push_back(
      Nat{NFT_NAT_DNAT, uint32_t(v4 ? NFPROTO_IPV4 : NFPROTO_IPV6), reg32(0), reg32(addr_regs)});
  return r;
}

std::vector<Rule> dnat_rules() {
  return {only_local(), dnat_by_map(AF_INET, true), dnat_by_map(AF_INET, false),
          dnat_by_map(AF_INET6, true), dnat_by_map(AF_INET6, false)};
}

// `ct status dnat ip saddr 127.0.0.0/8 masquerade`: the host reached a published port
// through 127.0.0.1. The container cannot answer 127.0.0.1, so the source becomes the
// bridge's address (the bridge has route_localnet=1 so the packet may leave at all).
Rule masquerade_localhost() {
  static constexpr uint8_t kLoopback[4] = {127, 0, 0, 0};
  Rule r = match_ct_status(IPS_DST_NAT, true);
  Rule m = match_saddr_prefix(AF_INET, kLoopback, 8);
  r.insert(r.end(), m.begin(), m.end());
  r.push_back(Masquerade{});
  return r;
}

// `ct status dnat ip[6] saddr . oif @members[46] masquerade`: a container reached a port
// published by itself or a sibling on the same bridge. Without this the answer would go
// straight back over the bridge, with the container's address instead of the host's.
Rule masquerade_hairpin(int family) {
  bool v4 = family == AF_INET;
  Rule r = match_ct_status(IPS_DST_NAT, true);
  Rule p = match_nfproto(v4 ? NFPROTO_IPV4 : NFPROTO_IPV6);
  r.insert(r.end(), p.begin(), p.end());
  r.push_back(load_ip_addr(family, true, reg32(0)));
  r.push_back(MetaLoad{NFT_META_OIF, reg32(v4 ? 1 : 4)});
  r.push_back(Lookup{reg32(0), v4 ? kMembers4 : kMembers6});
  r.push_back(Masquerade{});
  return r;
}

bool known_protocol(uint8_t p) { return p == IPPROTO_TCP || p == IPPROTO_UDP || p == IPPROTO_SCTP; }

const char* protocol_name(uint8_t p) {
  switch (p) {
    case IPPROTO_TCP:
      return "tcp";
    case IPPROTO_UDP:
      return "udp";
    case IPPROTO_SCTP:
      return "sctp";
    default:
      return "?";
  }
}

Bytes value_of(const PortMapping& m) {
  Bytes v;
  append_addr(v, m.ctr_addr);
  append_port(v, m.ctr_port);
  return v;
}

}  // namespace

std::vector<std::string> port_maps() { return {kPorts4, kPorts4Any, kPorts6, kPorts6Any}; }

void add_portmap_objects(TableSpec& spec) {
  const uint32_t proto_port = concat_type(kTypeInetProto, kTypeInetService);
  const uint32_t flags = NFT_SET_MAP;
  spec.sets.push_back({kPorts4,
                       concat_type(concat_type(kTypeIpv4Addr, kTypeInetProto), kTypeInetService),
                       12, flags, concat_type(kTypeIpv4Addr, kTypeInetService), 8});
  spec.sets.push_back(
      {kPorts4Any, proto_port, 8, flags, concat_type(kTypeIpv4Addr, kTypeInetService), 8});
  spec.sets.push_back({kPorts6,
                       concat_type(concat_type(kTypeIpv6Addr, kTypeInetProto), kTypeInetService),
                       24, flags, concat_type(kTypeIpv6Addr, kTypeInetService), 20});
  spec.sets.push_back(
      {kPorts6Any, proto_port, 8, flags, concat_type(kTypeIpv6Addr, kTypeInetService), 20});
  spec.sets.push_back({kMembers4, concat_type(kTypeIpv4Addr, kTypeIfaceIndex), 8});
  spec.sets.push_back({kMembers6, concat_type(kTypeIpv6Addr, kTypeIfaceIndex), 20});
  spec.chains.push_back({.name = kPrerouting,
                         .type = "nat",
                         .hook = NF_INET_PRE_ROUTING,
                         .priority = kPrioDstnat,
                         .policy = NF_ACCEPT,
                         .rules = dnat_rules()});
  spec.chains.push_back({.name = kOutput,
                         .type = "nat",
                         .hook = NF_INET_LOCAL_OUT,
                         .priority = kPrioDstnat,
                         .policy = NF_ACCEPT,
                         .rules = dnat_rules()});
  spec.chains.push_back({.name = kPortsSnat,
                         .type = "nat",
                         .hook = NF_INET_POST_ROUTING,
                         .priority = kPrioPortsSnat,
                         .policy = NF_ACCEPT,
                         .rules = {masquerade_localhost(), masquerade_hairpin(AF_INET),
                                   masquerade_hairpin(AF_INET6)}});
}

PortKeys port_keys(const PortMapping& m) {
  bool v4 = m.ctr_addr.is_v4();
  PortKeys k;
  k.specific_map = v4 ? kPorts4 : kPorts6;
  k.any_map = v4 ? kPorts4Any : kPorts6Any;
  append_proto(k.any_key, m.protocol);
  append_port(k.any_key, m.host_port);
  if (m.host_ip.family() == 0) {
    k.map = k.any_map;
    k.key = k.any_key;
  } else {
    k.map = k.specific_map;
    append_addr(k.key, m.host_ip);
    append(k.key, k.any_key);
  }
  return k;
}

std::string port_name(const PortMapping& m) {
  std::string port = std::to_string(m.host_port) + "/" + protocol_name(m.protocol);
  if (m.host_ip.family() == 0) return port;
  return (m.host_ip.is_v4() ? m.host_ip.str() : "[" + m.host_ip.str() + "]") + ":" + port;
}

Result<std::map<std::string, std::vector<Element>>> portmap_elements(
    std::span<const PortMapping> ports, std::span<const Member> members) {
  std::map<std::string, std::map<Bytes, Element>> by_key;
  for (const auto& m : ports) {
    int fam = m.ctr_addr.family();
    if (fam != AF_INET && fam != AF_INET6)
      return fail(Code::kInvalidConfig, "port mapping without a container address");
    if (m.host_ip.family() != 0 && m.host_ip.family() != fam)
      return fail(Code::kInvalidConfig,
                  "port mapping `" + port_name(m) + "`: host address of the other family");
    if (m.host_port == 0 || m.ctr_port == 0 || !known_protocol(m.protocol))
      return fail(Code::kInvalidConfig, "bad port mapping `" + port_name(m) + "`",
                  "ports are 1-65535 and the protocol tcp, udp or sctp");
    BERTH_TRY(encode_tag(m.tag));
    PortKeys k = port_keys(m);
    Element el{k.key, m.tag, value_of(m)};
    auto [it, fresh] = by_key[k.map].emplace(k.key, el);
    if (!fresh && it->second != el)
      return fail(Code::kInvalidConfig, "port `" + port_name(m) + "` is mapped twice",
                  "one host address, port and protocol can go to one destination only");
  }
  for (const auto& m : members) {
    int fam = m.addr.family();
    if ((fam != AF_INET && fam != AF_INET6) || m.bridge_ifindex <= 0)
      return fail(Code::kInternal, "bridge member without an address or bridge");
    BERTH_TRY(encode_tag(m.tag));
    Bytes key;
    append_addr(key, m.addr);
    append(key, u32(uint32_t(m.bridge_ifindex)));  // host order, as `meta oif` loads it
    by_key[fam == AF_INET ? kMembers4 : kMembers6][key] = Element{key, m.tag, {}};
  }
  std::map<std::string, std::vector<Element>> out;
  for (auto& [set, elems] : by_key)
    for (auto& [key, el] : elems) out[set].push_back(std::move(el));
  return out;
}

std::optional<PortMapping> port_mapping(const std::string& map, const Element& el) {
  bool v4 = map == kPorts4 || map == kPorts4Any;
  bool any = map == kPorts4Any || map == kPorts6Any;
  if (!v4 && map != kPorts6 && map != kPorts6Any) return std::nullopt;
  size_t alen = v4 ? 4 : 16;
  if (el.key.size() != (any ? 8 : alen + 8) || el.data.size() != alen + 4) return std::nullopt;
  PortMapping m;
  const uint8_t* k = el.key.data();
  if (!any) {
    m.host_ip = IpAddr::from_bytes(v4 ? AF_INET : AF_INET6, k);
    k += alen;
  }
  m.protocol = k[0];
  m.host_port = uint16_t(k[4] << 8 | k[5]);
  m.ctr_addr = IpAddr::from_bytes(v4 ? AF_INET : AF_INET6, el.data.data());
  m.ctr_port = uint16_t(el.data[alen] << 8 | el.data[alen + 1]);
  m.tag = el.tag;
  return m;
}

}  // namespace berth::nft
