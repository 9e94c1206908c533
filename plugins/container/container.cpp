// ADD checks namespace identity (device + inode of the nsfs files, never the paths: the
// runtime may name one namespace /proc/<pid>/ns/net and /run/netns/<x>), records the
// joiner and reports the target's interfaces. DEL and GC only forget records.
#include <set>

#include <spdlog/spdlog.h>

#include "core/netns.h"
#include "plugins/container/container.h"
#include "plugins/container/record.h"
#include "plugins/host/report.h"

namespace berth::container {
namespace {

// CNI_NETNS when it is the target's namespace; else code 105 (or 3 when the target's
// namespace is gone: the container it names no longer exists).
Result<NetNs> require_target_netns(const cni::Request& req, const Config& cfg) {
  auto ns = BERTH_TRY(NetNs::open(req.env.netns));
  if (ns.same_as(BERTH_TRY(NetNs::current())))
    return fail(Code::kNetns, "invalid netns", "CNI_NETNS `" + req.env.netns + "` is the host's own network namespace");
  auto target = NetNs::open(cfg.target_netns);
  if (!target) return std::unexpected(target.error().wrap("namespace of container `" + cfg.target + "`"));
  if (!ns.same_as(*target))
    return fail(Code::kNetns, "CNI_NETNS is not the network namespace of container `" + cfg.target + "`",
                "`" + req.env.netns + "` and `" + cfg.target_netns + "` are different namespaces");
  return ns;
}

}  // namespace

Result<cni::CniResult> cmd_add(const cni::Request& req) {
  auto cfg = BERTH_TRY(parse_config(req, true));
  if (cfg.target == req.env.container_id)
    return fail(Code::kInvalidConfig, "a container cannot join itself", "target `" + cfg.target + "`");
  auto ns = BERTH_TRY(require_target_netns(req, cfg));
  cni::CniResult r;
  if (cfg.prev_result) {
    r = *cfg.prev_result;  // nothing is created here; pass the chain's result on
  } else {
    auto s = BERTH_TRY(netlink::Socket::open_in(ns));
    r = BERTH_TRY(modes::namespace_report(s, req.env.netns));
  }
  BERTH_TRY(write_record(cfg.state_dir, req.name,
                         {req.env.container_id, req.env.ifname, req.env.netns, cfg.target, cfg.target_netns}));
  spdlog::info("ADD {}: joins the network namespace of {}", req.env.container_id, cfg.target);
  return r;
}

Result<> cmd_del(const cni::Request& req) {
  // Only the record goes: the namespace and every link in it belong to the target.
  auto cfg = BERTH_TRY(parse_config(req, false));
  if (BERTH_TRY(remove_record(cfg.state_dir, req.name, req.env.container_id, req.env.ifname)))
    spdlog::info("DEL {}: left {}", req.env.container_id, req.name);
  return {};
}

Result<> cmd_check(const cni::Request& req) {
  auto cfg = BERTH_TRY(parse_config(req, false));
  auto rec = BERTH_TRY(read_record(cfg.state_dir, req.name, req.env.container_id, req.env.ifname));
  if (!rec) return fail(Code::kCheckFailed, "joiner check failed", "no record of `" + req.env.container_id + "` joining");
  if (cfg.target.empty()) cfg.target = rec->target;
  if (cfg.target_netns.empty()) cfg.target_netns = rec->target_netns;
  if (auto ns = require_target_netns(req, cfg); !ns) {
    Error e = ns.error();
    if (e.code == Code::kNetns || e.code == Code::kUnknownContainer) e.code = Code::kCheckFailed;
    return std::unexpected(e);
  }
  return {};
}

Result<> cmd_gc(const cni::Request& req) {
  auto cfg = BERTH_TRY(parse_config(req, false));
  auto it = req.config.find("cni.dev/valid-attachments");
  if (it == req.config.end()) it = req.config.find("cni.dev/attachments");
  std::set<std::pair<std::string, std::string>> keep;
  if (it != req.config.end() && it->is_array()) {
    for (const auto& a : *it) {
      const auto* id = cni::find_ci(a, "containerID");
      const auto* ifn = cni::find_ci(a, "ifname");
      if (id && ifn && id->is_string() && ifn->is_string()) keep.emplace(id->get<std::string>(), ifn->get<std::string>());
    }
  } else if (it != req.config.end() && !it->is_null()) {
    return fail(Code::kInvalidConfig, "invalid GC request", "`cni.dev/valid-attachments` must be a list");
  }
  std::vector<Error> errors;
  for (const auto& [id, ifname] : BERTH_TRY(list_records(cfg.state_dir, req.name))) {
    if (keep.count({id, ifname})) continue;
    if (auto r = remove_record(cfg.state_dir, req.name, id, ifname); !r) errors.push_back(r.error());
  }
  return join_errors(errors, "garbage-collect network `" + req.name + "`");
}

}  // namespace berth::container
