#include "runtime/container/connect.h"

#include <algorithm>

#include "runtime/container/etc_files.h"
#include "runtime/container/launch.h"
#include "runtime/container/lifecycle.h"
#include "runtime/container/peers.h"

namespace berth::runtime {
namespace {

// Rewrites the container's own hosts file (its addresses changed) and its peers'.
void refresh_hosts(Runtime& rt, const Container& c, const std::vector<std::string>& networks) {
  if (auto all = rt.store.list())
    (void)rewrite_hosts(rt.store.dir(c.id), hosts_content(container_hostname(c), c.name,
                                                          c.state.networks, peers_of(c, *all)));
  refresh_peer_hosts(rt, networks);
}

Result<Container> load_running(Runtime& rt, const std::string& id) {
  auto c = BERTH_TRY(rt.store.load(id));
  BERTH_TRY(reconcile_locked(rt, c));
  if (c.state.status != Status::kRunning)
    return fail(Code::kInvalidConfig, "container `" + c.name + "` is not running");
  if (c.state.netns.empty())
    return fail(Code::kInvalidConfig,
                "container `" + c.name + "` has no network namespace of its own",
                "its network mode is `" + c.config.network + "`");
  return c;
}

}  // namespace

std::string next_ifname(const std::vector<std::string>& used) {
  for (int i = 0;; ++i) {
    std::string name = "eth" + std::to_string(i);
    if (std::find(used.begin(), used.end(), name) == used.end()) return name;
  }
}

Result<> connect_container(Runtime& rt, const std::string& id, const ConnectRequest& req) {
  auto lock = BERTH_TRY(rt.store.lock(id));
  auto c = BERTH_TRY(load_running(rt, id));
  std::vector<std::string> used;
  for (const auto& a : c.state.networks) {
    if (a.network == req.network)
      return fail(Code::kInvalidConfig,
                  "container `" + c.name + "` is already on network `" + req.network + "`");
    used.push_back(a.ifname);
  }
  net::AttachOptions opts;
  opts.ifname = next_ifname(used);
  if (!req.ip.empty()) {
    opts.ip = IpAddr::parse(req.ip);
    if (!opts.ip)
      return fail(Code::kInvalidConfig, "invalid --ip `" + req.ip + "`: not an IP address");
  }
  opts.container_name = c.name;
  if (req.network != net::kDefaultNetwork) {
    opts.aliases = req.aliases;
    opts.aliases.insert(opts.aliases.begin(), c.name);
  }
  auto att = rt.networks().attach(c.id, c.state.netns, req.network, opts);
  if (!att) return std::unexpected(att.error().wrap("attach to network `" + req.network + "`"));
  c.state.networks.push_back(attachment_record(*att, opts.aliases));
  BERTH_TRY(rt.store.save(c));
  refresh_hosts(rt, c, {req.network});
  return {};
}

Result<> disconnect_container(Runtime& rt, const std::string& id, const std::string& network) {
  auto lock = BERTH_TRY(rt.store.lock(id));
  auto c = BERTH_TRY(load_running(rt, id));
  auto it = std::find_if(c.state.networks.begin(), c.state.networks.end(),
                         [&](const NetAttachment& a) { return a.network == network; });
  if (it == c.state.networks.end())
    return fail(Code::kInvalidConfig,
                "container `" + c.name + "` is not on network `" + network + "`");
  BERTH_TRY(rt.networks().detach(c.id, c.state.netns, it->network, it->ifname));
  c.state.networks.erase(it);
  BERTH_TRY(rt.store.save(c));
  refresh_hosts(rt, c, {network});
  return {};
}

}  // namespace berth::runtime
