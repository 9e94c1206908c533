// GC (CNI 1.1): release what belongs to attachments of this network that the runtime
// no longer lists: host veths on our bridge, nftables elements (and the bridge's own ones when no
// attachment is left), IPAM leases. Keeps
// going after errors and reports them together. STATUS asks IPAM whether ADD can work.
#include <spdlog/spdlog.h>

#include "core/cni/delegate.h"
#include "core/failpoint.h"
#include "core/netlink/link.h"
#include "plugins/bridge/bridge.h"
#include "plugins/bridge/config.h"

namespace berth::bridge {
namespace {

struct Attachment {
  std::string id, ifname;
};

Result<std::vector<Attachment>> valid_attachments(const nlohmann::json& c) {
  std::vector<Attachment> out;
  auto it = c.find("cni.dev/valid-attachments");
  if (it == c.end()) it = c.find("cni.dev/attachments");
  if (it == c.end() || it->is_null()) return out;
  if (!it->is_array()) return fail(Code::kInvalidConfig, "invalid GC request", "`cni.dev/valid-attachments` must be a list");
  for (const auto& a : *it) {
    const auto* id = cni::find_ci(a, "containerID");
    const auto* ifn = cni::find_ci(a, "ifname");
    if (!id || !ifn || !id->is_string() || !ifn->is_string())
      return fail(Code::kInvalidConfig, "invalid GC request", "each attachment needs containerID and ifname strings");
    out.push_back({id->get<std::string>(), ifn->get<std::string>()});
  }
  return out;
}

// Deletes veth ports of the bridge named like ours but not in `keep`.
Result<size_t> gc_veths(const Config& cfg, const std::set<std::string>& keep) {
  auto host = BERTH_TRY(netlink::Socket::open());
  auto br = BERTH_TRY(netlink::get_link(host, cfg.bridge));
  if (!br) return size_t(0);
  auto ports = BERTH_TRY(netlink::list_ports(host, br->index));
  size_t n = 0;
  for (const auto& p : ports) {
    if (p.kind != "veth" || p.name.size() != 12 || p.name.rfind("veth", 0) != 0 || keep.count(p.name)) continue;
    if (BERTH_TRY(netlink::delete_link(host, p.name))) ++n;
    failpoint("bridge.gc.veth_deleted");
  }
  return n;
}

}  // namespace

Result<> cmd_gc(const cni::Request& req) {
  auto cfg = BERTH_TRY(parse_config(req));
  auto valid = BERTH_TRY(valid_attachments(req.config));
  std::set<std::string> keep_veths, keep_tags;
  for (const auto& a : valid) {
    keep_veths.insert(host_veth_name(a.id, a.ifname));
    keep_tags.insert(attachment_tag(req.name, a.id, a.ifname));
  }
  std::vector<Error> errors;
  // Without knowing the other networks' veths, deleting any would risk cutting a live
  // container of a network that shares the bridge: then no veth goes.
  if (auto others = other_networks_veths(req.name); !others) {
    errors.push_back(others.error());
  } else {
    keep_veths.insert(others->begin(), others->end());
    if (auto n = gc_veths(cfg, keep_veths); !n) errors.push_back(n.error());
    else if (*n) spdlog::info("GC {}: deleted {} stale veths", req.name, *n);
  }
  if (auto n = firewall_gc(req.name, cfg.bridge, keep_tags); !n) errors.push_back(n.error());
  failpoint("bridge.gc.firewall_collected");
  if (!cfg.ipam_type.empty())
    if (auto r = cni::delegate_run(req, cfg.ipam_type, "GC"); !r) errors.push_back(r.error());
  return join_errors(errors, "garbage-collect network `" + req.name + "`");
}

Result<> cmd_status(const cni::Request& req) {
  auto cfg = BERTH_TRY(parse_config(req));
  if (!cfg.ipam_type.empty()) BERTH_TRY(cni::delegate_run(req, cfg.ipam_type, "STATUS"));
  return {};
}

}  // namespace berth::bridge
