// DEL: best effort and idempotent. Every step runs even when an earlier one failed,
// and the errors are reported together. Nothing here needs the container's namespace:
// the host end of the veth has a stable name (deleting it deletes the pair), IPAM keys
// leases by container ID, and nftables elements (masquerade, published ports) carry
// the attachment's tag. So an empty or vanished CNI_NETNS still releases everything.
#include <spdlog/spdlog.h>

#include "core/cni/delegate.h"
#include "core/failpoint.h"
#include "core/netlink/link.h"
#include "plugins/bridge/bridge.h"
#include "plugins/bridge/config.h"

namespace berth::bridge {

Result<> cmd_del(const cni::Request& req) {
  auto cfg = BERTH_TRY(parse_config(req));
  std::vector<Error> errors;

  // The veth's deletion waits for the kernel (rcu_barrier, ~20 ms here); it runs while
  // the nftables socket is still open, so that the socket's own wait on close overlaps it.
  const std::string veth = host_veth_name(req.env.container_id, req.env.ifname);
  auto delete_veth = [&] {
    if (auto host = netlink::Socket::open(); !host) {
      errors.push_back(host.error());
    } else if (auto gone = netlink::delete_link(*host, veth); !gone) {
      errors.push_back(gone.error());
    }
    failpoint("bridge.del.veth_deleted");
  };
  if (auto r = firewall_remove(
          req.name, attachment_tag(req.name, req.env.container_id, req.env.ifname), delete_veth);
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
