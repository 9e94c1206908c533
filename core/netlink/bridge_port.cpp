#include "core/netlink/bridge_port.h"

#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
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

}  // namespace berth::netlink
