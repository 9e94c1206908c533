#include "core/netlink/conntrack.h"

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <sys/socket.h>

#include <cerrno>
#include <memory>
#include <vector>

namespace berth::netlink {
namespace {

struct MnlClose {
  void operator()(mnl_socket* s) const { mnl_socket_close(s); }
};
using MnlPtr = std::unique_ptr<mnl_socket, MnlClose>;

// One entry to delete: its family and its original tuple (and zone) exactly as the kernel
// reported them, so the delete names the same entry without re-encoding anything.
struct Doomed {
  uint8_t family = 0;
  std::vector<char> tuple;       // payload of CTA_TUPLE_ORIG
  std::optional<uint16_t> zone;  // CTA_ZONE, network order
};

// Walks the attributes in [begin, begin+len) (libmnl's iteration macros do not compile as
// C++: they assign void* to the attribute pointer).
template <typename F>
void each_attr(const void* begin, size_t len, F&& f) {
  const auto* a = static_cast<const nlattr*>(begin);
  int left = int(len);
  while (mnl_attr_ok(a, left)) {
    f(a);
    left -= int(MNL_ALIGN(a->nla_len));
    a = mnl_attr_next(a);
  }
}

// The attributes of `nest` indexed by type (only types up to `max`).
std::vector<const nlattr*> attrs_of(const nlattr* nest, int max) {
  std::vector<const nlattr*> out(max + 1, nullptr);
  each_attr(mnl_attr_get_payload(nest), mnl_attr_get_payload_len(nest), [&](const nlattr* a) {
    int t = mnl_attr_get_type(a);
    if (t <= max) out[t] = a;
  });
  return out;
}

bool tuple_matches(const nlattr* tuple, uint8_t family, const FlowMatch& m) {
  auto t = attrs_of(tuple, CTA_TUPLE_MAX);
  if (!t[CTA_TUPLE_PROTO] || !t[CTA_TUPLE_IP]) return false;
  auto p = attrs_of(t[CTA_TUPLE_PROTO], CTA_PROTO_MAX);
  if (!p[CTA_PROTO_NUM] || mnl_attr_get_u8(p[CTA_PROTO_NUM]) != m.protocol) return false;
  if (!p[CTA_PROTO_DST_PORT] || ntohs(mnl_attr_get_u16(p[CTA_PROTO_DST_PORT])) != m.dst_port)
    return false;
  if (!m.dst) return true;
  int want = m.dst->is_v4() ? AF_INET : AF_INET6;
  if (family != want) return false;
  auto ip = attrs_of(t[CTA_TUPLE_IP], CTA_IP_MAX);
  const nlattr* dst = ip[m.dst->is_v4() ? CTA_IP_V4_DST : CTA_IP_V6_DST];
  return dst && mnl_attr_get_payload_len(dst) == uint16_t(m.dst->size()) &&
         IpAddr::from_bytes(want, mnl_attr_get_payload(dst)) == *m.dst;
}

struct DumpState {
  std::span<const FlowMatch> matches;
  std::vector<Doomed>* doomed;
};

int on_entry(const nlmsghdr* nlh, void* data) {
  auto* st = static_cast<DumpState*>(data);
  const auto* nfg = static_cast<const nfgenmsg*>(mnl_nlmsg_get_payload(nlh));
  const nlattr* orig = nullptr;
  const nlattr* zone = nullptr;
  const char* attrs = static_cast<const char*>(mnl_nlmsg_get_payload_offset(nlh, sizeof(nfgenmsg)));
  size_t len = nlh->nlmsg_len - size_t(attrs - reinterpret_cast<const char*>(nlh));
  each_attr(attrs, len, [&](const nlattr* a) {
    if (mnl_attr_get_type(a) == CTA_TUPLE_ORIG) orig = a;
    if (mnl_attr_get_type(a) == CTA_ZONE) zone = a;
  });
  if (!orig) return MNL_CB_OK;
  bool wanted = false;
  for (const auto& m : st->matches) wanted = wanted || tuple_matches(orig, nfg->nfgen_family, m);
  if (!wanted) return MNL_CB_OK;
  Doomed d{.family = nfg->nfgen_family};
  const char* p = static_cast<const char*>(mnl_attr_get_payload(orig));
  d.tuple.assign(p, p + mnl_attr_get_payload_len(orig));
  if (zone) d.zone = mnl_attr_get_u16(zone);
  st->doomed->push_back(std::move(d));
  return MNL_CB_OK;
}

nlmsghdr* put_header(char* buf, uint16_t msg, uint16_t flags, uint8_t family, uint32_t seq) {
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf);
  nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | msg;
  nlh->nlmsg_flags = NLM_F_REQUEST | flags;
  nlh->nlmsg_seq = seq;
  auto* nfg = static_cast<nfgenmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(nfgenmsg)));
  nfg->nfgen_family = family;
  nfg->version = NFNETLINK_V0;
  nfg->res_id = 0;
  return nlh;
}

// Sends `nlh` and runs `cb` on every reply until the kernel's ack or end of dump. With
// `gone_ok`, the kernel's "no such entry" counts as success (returns false).
Result<bool> exchange(mnl_socket* nl, nlmsghdr* nlh, mnl_cb_t cb, void* data,
                      bool gone_ok = false) {
  if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
    return fail_errno(Code::kNetlink, "send conntrack request", errno);
  // Dump datagrams are up to 32 KiB (the kernel sizes them to what we read); twice that is safe.
  std::vector<char> buf(64 * 1024);
  uint32_t portid = mnl_socket_get_portid(nl);
  for (;;) {
    ssize_t n = mnl_socket_recvfrom(nl, buf.data(), buf.size());
    if (n < 0) return fail_errno(Code::kNetlink, "receive conntrack reply", errno);
    int r = mnl_cb_run(buf.data(), size_t(n), nlh->nlmsg_seq, portid, cb, data);
    if (r == MNL_CB_STOP) return true;
    if (r < 0 && gone_ok && errno == ENOENT) return false;
    if (r < 0) return fail_errno(Code::kNetlink, "conntrack request", errno);
  }
}

}  // namespace

Result<size_t> forget_flows(std::span<const FlowMatch> matches) {
  if (matches.empty()) return 0;
  MnlPtr nl(mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC));
  if (!nl) return fail_errno(Code::kNetlink, "open conntrack netlink socket", errno);
  if (mnl_socket_bind(nl.get(), 0, MNL_SOCKET_AUTOPID) < 0)
    return fail_errno(Code::kNetlink, "bind conntrack netlink socket", errno);

  // Collect first, delete after the dump: deleting while the kernel walks the table would
  // make it restart or skip entries.
  std::vector<Doomed> doomed;
  DumpState st{matches, &doomed};
  std::vector<char> req(MNL_SOCKET_BUFFER_SIZE);
  uint32_t seq = 1;
  nlmsghdr* dump = put_header(req.data(), IPCTNL_MSG_CT_GET, NLM_F_DUMP, AF_UNSPEC, seq++);
  BERTH_TRY(exchange(nl.get(), dump, on_entry, &st));

  size_t gone = 0;
  for (const auto& d : doomed) {
    nlmsghdr* del = put_header(req.data(), IPCTNL_MSG_CT_DELETE, NLM_F_ACK, d.family, seq++);
    mnl_attr_put(del, CTA_TUPLE_ORIG | NLA_F_NESTED, d.tuple.size(), d.tuple.data());
    if (d.zone) mnl_attr_put_u16(del, CTA_ZONE, *d.zone);
    if (BERTH_TRY(exchange(nl.get(), del, nullptr, nullptr, true))) ++gone;
  }
  return gone;
}

}  // namespace berth::netlink
