// DEL: best effort and idempotent. Every step runs even when an earlier one failed,
// and the errors are reported together. Nothing here needs the container's namespace:
// the host end of the veth has a stable name (deleting it deletes the pair), IPAM keys
// leases by container ID, and nftables elements (masquerade, published ports) carry
// the attachment's tag. So an empty or vanished CNI_NETNS still releases everything.
#include <spdlog/spdlog.h>

#include "core/cni/delegate.h"
#include "core/failpoint.h"
#include "core/netlink/link_delete.h"
#include "plugins/bridge/bridge.h"
#include "plugins/bridge/config.h"

namespace berth::bridge {

Result<> cmd_del(const cni::Request& req) {
  auto cfg = BERTH_TRY(parse_config(req));
  std::vector<Error> errors;

  // The veth is gone from the host when this returns. The kernel's ~20 ms of cleanup after
  // it, and the nftables socket's wait on close (~10-15 ms), are sat out by a child that
  // outlives us (link_delete.h), not by the runtime waiting for this DEL.
  const std::string veth = host_veth_name(req.env.container_id, req.env.ifname);
  auto delete_veth = [&](int nft_fd) {
    std::vector<int> linger;
    if (nft_fd >= 0) linger.push_back(nft_fd);
    if (auto host = netlink::Socket::open(); !host) {
      errors.push_back(host.error());
    } else if (auto gone = netlink::delete_link_unwaited(*host, veth, linger); !gone) {
      errors.push_back(gone.error());
    }
    failpoint("bridge.del.veth_deleted");
  };
  if (auto r = firewall_remove(req.name, cfg.bridge,
                               attachment_tag(req.name, req.env.container_id, req.env.ifname),
                               delete_veth);
      !r)
    errors.push_back(r.error());
  failpoint("bridge.del.firewall_removed");

  if (!cfg.ipam_type.empty())
    if (auto r = cni::delegate_run(req, cfg.ipam_type, "DEL"); !r) errors.push_back(r.error());

  if (errors.empty()) {
    spdlog::info("DEL {} {}: done", req.env.container_id, req.env.ifname);
    return {};
  }
  return join_errors(errors, "delete attachment");
}

}  // namespace berth::bridge
