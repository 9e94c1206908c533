// The host namespace is the one of PID 1 unless the config's `hostNetns` names another
// reference (a runtime running in its own namespace, or a test). Identity is compared
// by the namespace's device and inode, never by path: /proc/<pid>/ns/net, a bind mount
// under /run/netns and /proc/1/ns/net may all be the same namespace.
#include "plugins/host/host.h"

#include <spdlog/spdlog.h>

#include "core/cni/args.h"
#include "core/cni/names.h"
#include "core/netns.h"
#include "plugins/host/report.h"

namespace berth::host {
namespace {

struct Config {
  std::string host_netns = kDefaultHostNetns;
  std::optional<cni::CniResult> prev_result;
};

Result<Config> parse_config(const cni::Request& req) {
  Config cfg;
  BERTH_TRY(cni::parse_cni_args(req.env.args));
  if (auto it = req.config.find("hostNetns"); it != req.config.end() && !it->is_null()) {
    if (!it->is_string()) return fail(Code::kInvalidConfig, "invalid network config", "`hostNetns` must be a string");
    cfg.host_netns = it->get<std::string>();
    BERTH_TRY(cni::validate_dir_path(cfg.host_netns, "hostNetns"));
  }
  if (auto p = req.config.find("prevResult"); p != req.config.end() && !p->is_null()) {
    auto r = cni::parse_result(*p, req.version);
    if (!r) return std::unexpected(r.error().wrap("prevResult"));
    cfg.prev_result = std::move(*r);
  }
  return cfg;
}

// The reference namespace. PID 1's may be unreadable (EACCES when PID 1 lives in
// another user namespace, e.g. the runtime itself runs in a container); the runtime
// execs plugins in its host namespace (spec §1.1), so ours stands in then. A
// configured `hostNetns` must open. The path is opened once: no access() check before
// the open, whose answer could differ from what the open then finds.
Result<NetNs> open_host_netns(Config& cfg, bool configured) {
  auto ns = NetNs::open(cfg.host_netns);
  // Code 105 for the default path: it exists (else code 3) but may not be opened.
  if (ns || configured || ns.error().code != Code::kNetns) return ns;
  spdlog::debug("{} is not readable ({}); the plugin's own namespace is the host's",
                cfg.host_netns, ns.error().what());
  cfg.host_netns = "/proc/self/ns/net (" + cfg.host_netns + " is not readable)";
  return NetNs::current();
}

// The host namespace when CNI_NETNS is it; code 105 naming both otherwise.
Result<NetNs> require_host_netns(const cni::Request& req, Config cfg) {
  auto host = open_host_netns(cfg, cfg.host_netns != kDefaultHostNetns);
  if (!host) return std::unexpected(host.error().wrap("open the host's namespace"));
  auto ns = BERTH_TRY(NetNs::open(req.env.netns));
  if (!ns.same_as(*host))
    return fail(Code::kNetns, "CNI_NETNS is not the host's network namespace",
                "`" + req.env.netns + "` differs from `" + cfg.host_netns +
                    "`; berth-host only accepts containers that share the host's network");
  return ns;
}

}  // namespace

Result<cni::CniResult> cmd_add(const cni::Request& req) {
  auto cfg = BERTH_TRY(parse_config(req));
  auto ns = BERTH_TRY(require_host_netns(req, cfg));
  spdlog::info("ADD {}: shares the host network ({})", req.env.container_id, cfg.host_netns);
  if (cfg.prev_result) return *cfg.prev_result;  // nothing changed; pass it on
  auto s = BERTH_TRY(netlink::Socket::open_in(ns));
  return modes::namespace_report(s, "");  // host interfaces carry no sandbox
}

Result<> cmd_del(const cni::Request&) {
  // Never touches the host: there is nothing of this attachment to remove.
  return {};
}

Result<> cmd_check(const cni::Request& req) {
  auto cfg = BERTH_TRY(parse_config(req));
  if (auto ns = require_host_netns(req, cfg); !ns) {
    Error e = ns.error();
    if (e.code == Code::kNetns) e.code = Code::kCheckFailed;
    return std::unexpected(e);
  }
  return {};
}

}  // namespace berth::host
