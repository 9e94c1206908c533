// berth-bridge's commands. Each takes the validated request and acts in the host
// namespace (the one the runtime exec'd us in) and in CNI_NETNS through a netlink socket
// opened there.
#pragma once

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/cni/skel.h"
#include "core/cni/types.h"
#include "core/error.h"
#include "core/ip.h"
#include "plugins/bridge/config.h"

namespace berth::bridge {

Result<cni::CniResult> cmd_add(const cni::Request& req);
Result<> cmd_del(const cni::Request& req);
Result<> cmd_check(const cni::Request& req);
Result<> cmd_gc(const cni::Request& req);
Result<> cmd_status(const cni::Request& req);

// What one attachment needs from berth's nftables tables. firewall.cpp is the only file
// that knows berth_nft; every element carries `tag` (the bridge's own ones bridge_tag()).
struct FirewallNeeds {
  std::string network;         // the CNI config's name
  std::string tag;             // attachment_tag(): owner of everything else
  std::string bridge;          // bridge name
  int bridge_index = 0;
  std::string host_veth;       // the container's port on the bridge (icc=false)
  std::vector<IpAddr> addrs;   // the container's addresses
  bool gateway = false;        // the bridge routes for its containers (isGateway)
  bool masquerade = false;     // ipMasq, and not internal
  bool internal = false;
  bool icc = true;
  std::optional<netlink::Mac> guard_mac;  // macspoofchk: the MAC set on the container's interface
  std::vector<PortSpec> ports;
};

// What the attachment of `req` (config `cfg`, host end `host_veth` on the bridge with
// index `bridge_index`, container addresses `addrs`) needs; guard_mac is the caller's.
FirewallNeeds firewall_needs(const cni::Request& req, const Config& cfg, int bridge_index,
                             const std::string& host_veth, std::vector<IpAddr> addrs);

// Installs all of it in one nftables transaction. A port another attachment publishes
// already is code 102 and nothing changes.
Result<> firewall_add(const FirewallNeeds& needs);
// True when every element is installed with its owner.
Result<bool> firewall_present(const FirewallNeeds& needs);
// The owner of a bridge's own elements (isolation): "@" and its name, which no network
// name can be. Not the network's name: networks may share a bridge.
std::string bridge_tag(const std::string& bridge);

// Removes the attachment's elements (DEL: no addresses or ports needed), and the
// bridge's own ones when no other container (of any network) is left on it. `meanwhile`
// (always run, even when nftables failed) runs after the removal and before the nftables
// socket is closed, with that socket's descriptor (-1 when it could not be opened): the
// close waits for the kernel to free the deleted elements (an RCU grace period, ~10-15 ms
// here), a wait `meanwhile` can hand to another process by keeping the descriptor open.
Result<size_t> firewall_remove(const std::string& network, const std::string& bridge,
                               const std::string& tag,
                               const std::function<void(int nft_fd)>& meanwhile = {});
// Removes every element of `network` whose tag is not in `keep`, and the bridge's own
// elements too when no container is left on it; drops berth's tables when they are empty.
Result<size_t> firewall_gc(const std::string& network, const std::string& bridge,
                           const std::set<std::string>& keep);
// Host veths of the attachments of networks other than `network`, known by their
// elements' tags. A bridge may be shared (a conflist without `bridge` uses berth0, as the
// runtime's default network does): GC of one network must never take another's veths.
Result<std::set<std::string>> other_networks_veths(const std::string& network);

}  // namespace berth::bridge
