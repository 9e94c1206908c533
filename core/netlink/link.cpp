#include "core/netlink/link.h"

#include <net/if.h>
#include <netlink/errno.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/route/link/veth.h>

#include <sys/random.h>

#include <cstdio>

namespace berth::netlink {
namespace {

bool is_missing(int err) { return err == -NLE_OBJ_NOTFOUND || err == -NLE_NODEV; }

LinkInfo to_info(rtnl_link* l) {
  LinkInfo i;
  i.index = rtnl_link_get_ifindex(l);
  i.name = rtnl_link_get_name(l) ? rtnl_link_get_name(l) : "";
  i.kind = rtnl_link_get_type(l) ? rtnl_link_get_type(l) : "";
  if (nl_addr* a = rtnl_link_get_addr(l); a && nl_addr_get_len(a) == 6)
    i.mac = mac_to_string(static_cast<const uint8_t*>(nl_addr_get_binary_addr(a)));
  i.mtu = rtnl_link_get_mtu(l);
  i.up = rtnl_link_get_flags(l) & IFF_UP;
  i.promisc = rtnl_link_get_flags(l) & IFF_PROMISC;
  i.master = rtnl_link_get_master(l);
  i.peer_index = rtnl_link_get_link(l);  // IFLA_LINK: a veth's peer index
  return i;
}

Result<std::optional<LinkInfo>> get(const Socket& s, int index, const char* name) {
  rtnl_link* l = nullptr;
  int err = rtnl_link_get_kernel(s.get(), index, name, &l);
  if (is_missing(err)) return std::optional<LinkInfo>();
  if (err < 0) return nl_fail(std::string("get link `") + (name ? name : std::to_string(index)) + "`", err);
  LinkPtr owner(l);
  return std::optional<LinkInfo>(to_info(l));
}

// Applies `flags` (set) to link `index` with one RTM_NEWLINK change request.
Result<> change_flags(const Socket& s, int index, unsigned flags, const std::string& what) {
  LinkPtr l(rtnl_link_alloc());
  rtnl_link_set_ifindex(l.get(), index);
  rtnl_link_set_flags(l.get(), flags);
  if (int err = rtnl_link_change(s.get(), l.get(), l.get(), 0); err < 0) return nl_fail(what, err);
  return {};
}

}  // namespace

std::string mac_to_string(const uint8_t* m) {
  char buf[18];
  std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
  return buf;
}

std::optional<Mac> parse_mac(const std::string& text) {
  Mac m{};
  unsigned v[6];
  char extra;
  if (std::sscanf(text.c_str(), "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4],
                  &v[5], &extra) != 6 || text.size() != 17)
    return std::nullopt;
  for (int i = 0; i < 6; ++i) m[i] = uint8_t(v[i]);
  return m;
}

Result<std::optional<LinkInfo>> get_link(const Socket& s, const std::string& name) {
  return get(s, 0, name.c_str());
}

Result<std::optional<LinkInfo>> get_link(const Socket& s, int index) {
  return get(s, index, nullptr);
}

Result<LinkInfo> ensure_bridge(const Socket& s, const std::string& name, uint32_t mtu, bool promisc) {
  auto existing = BERTH_TRY(get_link(s, name));
  if (!existing) {
    LinkPtr l(rtnl_link_alloc());
    rtnl_link_set_name(l.get(), name.c_str());
    if (int err = rtnl_link_set_type(l.get(), "bridge"); err < 0)
      return nl_fail("create bridge `" + name + "`", err);
    if (mtu) rtnl_link_set_mtu(l.get(), mtu);
    // A bridge without an address of its own takes the lowest MAC of its ports, so the
    // gateway's MAC would change whenever a container comes or goes (stale ARP caches).
    // A fixed random, locally administered MAC keeps it stable.
    Mac mac{};
    if (getrandom(mac.data(), mac.size(), 0) == 6) {
      mac[0] = uint8_t((mac[0] & 0xfe) | 0x02);
      AddrPtr a(nl_addr_build(AF_LLC, mac.data(), 6));
      rtnl_link_set_addr(l.get(), a.get());
    }
    rtnl_link_set_flags(l.get(), IFF_UP | (promisc ? IFF_PROMISC : 0));
    int err = rtnl_link_add(s.get(), l.get(), NLM_F_CREATE | NLM_F_EXCL);
    if (err < 0 && err != -NLE_EXIST) return nl_fail("create bridge `" + name + "`", err);
    existing = BERTH_TRY(get_link(s, name));
    if (!existing) return fail(Code::kNetlink, "create bridge `" + name + "`: it vanished");
  }
  if (existing->kind != "bridge")
    return fail(Code::kInvalidConfig, "bridge `" + name + "` exists and is not a bridge",
                "its kind is `" + existing->kind + "`");
  if (!existing->up || (promisc && !existing->promisc)) {
    BERTH_TRY(change_flags(s, existing->index, IFF_UP | (promisc ? IFF_PROMISC : 0),
                           "set bridge `" + name + "` up"));
    existing->up = true;
  }
  return *existing;
}

Result<> create_veth(const Socket& s, const VethSpec& spec) {
  rtnl_link* host = rtnl_link_veth_alloc();
  if (!host) return fail(Code::kNetlink, "allocate veth");
  rtnl_link* peer = rtnl_link_veth_get_peer(host);
  struct Release {  // the veth object owns its peer; release both together
    rtnl_link* l;
    ~Release() { rtnl_link_veth_release(l); }
  } release{host};
  rtnl_link_put(peer);  // get_peer took a reference
  rtnl_link_set_name(host, spec.host_name.c_str());
  rtnl_link_set_name(peer, spec.peer_name.c_str());
  rtnl_link_set_ns_fd(peer, spec.peer_netns_fd);
  if (spec.mtu) {
    rtnl_link_set_mtu(host, spec.mtu);
    rtnl_link_set_mtu(peer, spec.mtu);
  }
  if (spec.peer_mac) {
    AddrPtr mac(nl_addr_build(AF_LLC, spec.peer_mac->data(), 6));
    rtnl_link_set_addr(peer, mac.get());
  }
  if (spec.master) rtnl_link_set_master(host, spec.master);
  // Only the host end can be born up: the peer is configured before the pair is
  // linked, and opening a veth without a peer fails (ENOTCONN). The caller sets it up.
  rtnl_link_set_flags(host, IFF_UP);
  int err = rtnl_link_add(s.get(), host, NLM_F_CREATE | NLM_F_EXCL);
  if (err == -NLE_EXIST)
    return fail(Code::kInterfaceExists, "create veth `" + spec.host_name + "`/`" + spec.peer_name + "`",
                "an interface with one of these names already exists");
  if (err < 0) return nl_fail("create veth `" + spec.host_name + "`", err);
  return {};
}

Result<std::vector<LinkInfo>> list_ports(const Socket& s, int bridge_index) {
  auto cache = BERTH_TRY(dump("links", [&](nl_cache** c) { return rtnl_link_alloc_cache(s.get(), AF_UNSPEC, c); }));
  std::vector<LinkInfo> out;
  for (nl_object* o = nl_cache_get_first(cache.get()); o; o = nl_cache_get_next(o)) {
    auto* l = reinterpret_cast<rtnl_link*>(o);
    if (rtnl_link_get_master(l) == bridge_index) out.push_back(to_info(l));
  }
  return out;
}

Result<> set_no_ipv6_link_local(const Socket& s, int index) {
  MsgPtr msg(nlmsg_alloc_simple(RTM_SETLINK, NLM_F_REQUEST | NLM_F_ACK));
  if (!msg) return fail(Code::kNetlink, "allocate netlink message");
  ifinfomsg ifi{};
  ifi.ifi_index = index;
  if (nlmsg_append(msg.get(), &ifi, sizeof ifi, NLMSG_ALIGNTO) < 0)
    return fail(Code::kNetlink, "build addrgenmode request");
  nlattr* spec = nla_nest_start(msg.get(), IFLA_AF_SPEC);
  nlattr* inet6 = nla_nest_start(msg.get(), AF_INET6);
  nla_put_u8(msg.get(), IFLA_INET6_ADDR_GEN_MODE, IN6_ADDR_GEN_MODE_NONE);
  nla_nest_end(msg.get(), inet6);
  nla_nest_end(msg.get(), spec);
  int err = nl_send_sync(s.get(), msg.release());
  // A kernel without IPv6 has nothing to generate: fine.
  if (err < 0 && err != -NLE_AF_NOSUPPORT && err != -NLE_OPNOTSUPP)
    return nl_fail("set addrgenmode none on link " + std::to_string(index), err);
  return {};
}

Result<> set_up(const Socket& s, int index) {
  return change_flags(s, index, IFF_UP, "set link " + std::to_string(index) + " up");
}

Result<bool> delete_link(const Socket& s, const std::string& name) {
  LinkPtr l(rtnl_link_alloc());
  rtnl_link_set_name(l.get(), name.c_str());
  int err = rtnl_link_delete(s.get(), l.get());
  if (is_missing(err)) return false;
  if (err < 0) return nl_fail("delete link `" + name + "`", err);
  return true;
}

}  // namespace berth::netlink
