// DEL: best effort and idempotent. Deleting the peer end deletes the pair; when the
// container's (or the peer's) namespace is gone, the pair died with it. IPAM is always
// released, whatever the namespaces. GC: a stale attachment's namespace is gone, so its
// veth is too; only IPAM holds state to collect. STATUS: IPAM decides whether ADD works.
#include <spdlog/spdlog.h>

#include "core/cni/delegate.h"
#include "core/failpoint.h"
#include "core/netlink/link.h"
#include "core/netlink/link_delete.h"
#include "core/netns.h"
#include "plugins/ptp/ptp.h"

namespace berth::ptp {
namespace {

Result<> delete_peer_end(const Config& cfg) {
  if (cfg.peer_netns.empty()) {
    // Our own namespace: the kernel's cleanup after the deletion is left to a child.
    auto s = BERTH_TRY(netlink::Socket::open());
    BERTH_TRY(netlink::delete_link_unwaited(s, cfg.peer_ifname));
    return {};
  }
  auto ns = NetNs::open(cfg.peer_netns);
  if (!ns && ns.error().code == Code::kUnknownContainer) return {};  // gone, and the link with it
  if (!ns) return std::unexpected(ns.error().wrap("peerNetns"));
  auto s = BERTH_TRY(netlink::Socket::open_in(*ns));
  BERTH_TRY(netlink::delete_link(s, cfg.peer_ifname));
  return {};
}

}  // namespace

Result<> cmd_del(const cni::Request& req) {
  auto cfg = BERTH_TRY(parse_config(req));
  std::vector<Error> errors;
  if (auto r = cni::delegate_run(req, cfg.ipam_type, "DEL"); !r) errors.push_back(r.error());
  failpoint("ptp.del.addresses_released");
  if (auto r = delete_peer_end(cfg); !r) errors.push_back(r.error());
  if (errors.empty()) spdlog::info("DEL {} {}: done", req.env.container_id, req.env.ifname);
  return join_errors(errors, "delete attachment");
}

Result<> cmd_gc(const cni::Request& req) {
  auto cfg = BERTH_TRY(parse_config(req));
  return cni::delegate_run(req, cfg.ipam_type, "GC");
}

Result<> cmd_status(const cni::Request& req) {
  auto cfg = BERTH_TRY(parse_config(req));
  return cni::delegate_run(req, cfg.ipam_type, "STATUS");
}

}  // namespace berth::ptp
