#include "core/netlink/bridge_port.h"

#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/errno.h>
#include <netlink/msg.h>
#include <sys/socket.h>

namespace berth::netlink {

Result<> set_hairpin(const Socket& s, int index, bool on) {
  MsgPtr msg(nlmsg_alloc_simple(RTM_SETLINK, NLM_F_REQUEST | NLM_F_ACK));
  if (!msg) return fail(Code::kNetlink, "allocate netlink message");
  ifinfomsg ifi{};
  ifi.ifi_family = AF_BRIDGE;
  ifi.ifi_index = index;
  if (nlmsg_append(msg.get(), &ifi, sizeof ifi, NLMSG_ALIGNTO) < 0)
    return fail(Code::kNetlink, "build hairpin request");
  nlattr* nest = nla_nest_start(msg.get(), IFLA_PROTINFO | NLA_F_NESTED);
  nla_put_u8(msg.get(), IFLA_BRPORT_MODE, on ? 1 : 0);
  nla_nest_end(msg.get(), nest);
  if (int err = nl_send_sync(s.get(), msg.release()); err < 0)  // nl_send_sync frees it
    return nl_fail("set hairpin mode on link " + std::to_string(index), err);
  return {};
}

namespace {

// One RTM_SETLINK/RTM_DELLINK of family AF_BRIDGE carrying one VLAN entry in IFLA_AF_SPEC.
Result<> vlan_request(const Socket& s, int type, int index, uint16_t vid, uint16_t vflags, bool self) {
  MsgPtr msg(nlmsg_alloc_simple(type, NLM_F_REQUEST | NLM_F_ACK));
  if (!msg) return fail(Code::kNetlink, "allocate netlink message");
  ifinfomsg ifi{};
  ifi.ifi_family = AF_BRIDGE;
  ifi.ifi_index = index;
  if (nlmsg_append(msg.get(), &ifi, sizeof ifi, NLMSG_ALIGNTO) < 0)
    return fail(Code::kNetlink, "build vlan request");
  nlattr* spec = nla_nest_start(msg.get(), IFLA_AF_SPEC);
  if (self) nla_put_u16(msg.get(), IFLA_BRIDGE_FLAGS, BRIDGE_FLAGS_SELF);
  bridge_vlan_info info{vflags, vid};
  nla_put(msg.get(), IFLA_BRIDGE_VLAN_INFO, sizeof info, &info);
  nla_nest_end(msg.get(), spec);
  if (int err = nl_send_sync(s.get(), msg.release()); err < 0)
    return nl_fail("set vlan " + std::to_string(vid) + " on link " + std::to_string(index), err);
  return {};
}

}  // namespace

Result<> set_vlan_filtering(const Socket& s, int bridge_index) {
  MsgPtr msg(nlmsg_alloc_simple(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK));
  if (!msg) return fail(Code::kNetlink, "allocate netlink message");
  ifinfomsg ifi{};
  ifi.ifi_index = bridge_index;
  if (nlmsg_append(msg.get(), &ifi, sizeof ifi, NLMSG_ALIGNTO) < 0)
    return fail(Code::kNetlink, "build vlan_filtering request");
  nlattr* info = nla_nest_start(msg.get(), IFLA_LINKINFO);
  nla_put_string(msg.get(), IFLA_INFO_KIND, "bridge");
  nlattr* data = nla_nest_start(msg.get(), IFLA_INFO_DATA);
  nla_put_u8(msg.get(), IFLA_BR_VLAN_FILTERING, 1);
  nla_nest_end(msg.get(), data);
  nla_nest_end(msg.get(), info);
  if (int err = nl_send_sync(s.get(), msg.release()); err < 0) {
    if (err == -NLE_OPNOTSUPP)
      return fail(Code::kUnsupportedField, "bridge VLAN filtering is not available",
                  "this kernel was built without CONFIG_BRIDGE_VLAN_FILTERING, so `vlan` cannot be used");
    return nl_fail("turn on vlan filtering on bridge " + std::to_string(bridge_index), err);
  }
  return {};
}

Result<> set_port_vlan(const Socket& s, int index, uint16_t vid, bool self, bool drop_default) {
  BERTH_TRY(vlan_request(s, RTM_SETLINK, index, vid, BRIDGE_VLAN_INFO_PVID | BRIDGE_VLAN_INFO_UNTAGGED, self));
  if (drop_default && vid != 1) {
    auto r = vlan_request(s, RTM_DELLINK, index, 1, 0, self);
    if (!r && r.error().msg.find("not found") == std::string::npos &&
        r.error().msg.find("Object not found") == std::string::npos)
      return r;
  }
  return {};
}

}  // namespace berth::netlink
