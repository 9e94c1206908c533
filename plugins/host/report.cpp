#include "plugins/host/report.h"

#include <linux/rtnetlink.h>

#include <map>

#include "core/netlink/addr_extra.h"
#include "core/netlink/link_extra.h"

namespace berth::modes {

Result<cni::CniResult> namespace_report(const netlink::Socket& s, const std::string& sandbox) {
  cni::CniResult r;
  std::map<int, int> position;  // ifindex -> index into r.interfaces
  for (const auto& l : BERTH_TRY(netlink::list_links(s))) {
    position[l.index] = int(r.interfaces.size());
    cni::Interface i{l.name, l.mac};
    i.sandbox = sandbox;
    r.interfaces.push_back(std::move(i));
  }
  for (const auto& a : BERTH_TRY(netlink::list_all_addresses(s))) {
    if (!a.addr.addr.is_v4() && a.scope == RT_SCOPE_LINK) continue;
    auto it = position.find(a.index);
    if (it == position.end()) continue;  // its link appeared after the link dump
    r.ips.push_back({a.addr, std::nullopt, it->second});
  }
  return r;
}

}  // namespace berth::modes
