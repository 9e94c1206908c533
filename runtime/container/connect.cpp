#include "runtime/container/connect.h"

#include <algorithm>

#include "runtime/container/etc_files.h"
#include "runtime/container/launch.h"
#include "runtime/container/lifecycle.h"
#include "runtime/container/parse.h"
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

// Running (or paused) with a network namespace of its own: networks change now.
bool attached_now(const Container& c) {
  return (c.state.status == Status::kRunning || c.state.status == Status::kPaused) &&
         !c.state.netns.empty();
}

Result<Container> load_connectable(Runtime& rt, const std::string& id) {
  auto c = BERTH_TRY(rt.store.load(id));
  BERTH_TRY(reconcile_locked(rt, c));
  const std::string& mode = c.config.network;
  if (mode == "host" || mode.starts_with("container:"))
    return fail(Code::kInvalidConfig,
                "container `" + c.name + "` has no network namespace of its own",
                "its network mode is `" + mode + "`");
  if (is_active(c.state.status) && !attached_now(c))
    return fail(Code::kInvalidConfig, "container `" + c.name + "` is restarting",
                "try again once it runs");
  return c;
}

}  // namespace

std::string next_ifname(const std::vector<std::string>& used) {
  for (int i = 0;; ++i) {
    std::string name = "eth" + std::to_string(i);
    if (std::find(used.begin(), used.end(), name) == used.end()) return name;
  }
}

Result<NetAttachment> attach_connected(Runtime& rt, Container& c, const ConnectedNetwork& n) {
  std::vector<std::string> used;
  for (const auto& a : c.state.networks) used.push_back(a.ifname);
  net::AttachOptions opts;
  opts.ifname = next_ifname(used);
  if (!n.ip.empty()) opts.ip = IpAddr::parse(n.ip);
  opts.container_name = c.name;
  if (n.network != net::kDefaultNetwork) {
    opts.aliases = n.aliases;
    opts.aliases.insert(opts.aliases.begin(), c.name);
  }
  auto att = rt.networks().attach(c.id, c.state.netns, n.network, opts);
  if (!att) return std::unexpected(att.error().wrap("attach to network `" + n.network + "`"));
  c.state.networks.push_back(attachment_record(*att, opts.aliases));
  return c.state.networks.back();
}

bool is_own_network(const Container& c, const std::string& network) {
  // kDefaultNetwork is named "bridge", like the network mode that means it.
  return network == c.config.network && uses_plugins(c.config.network);
}

bool uses_plugins(const std::string& mode) {
  return mode != "host" && mode != "none" && !mode.starts_with("container:");
}

Result<NetAttachment> attach_own(Runtime& rt, Container& c) {
  const ContainerConfig& cfg = c.config;
  auto nets = rt.networks();
  std::string network = cfg.network;
  if (network == "bridge") network = BERTH_TRY(nets.ensure_default()).name;
  std::vector<std::string> used;
  for (const auto& a : c.state.networks) used.push_back(a.ifname);
  net::AttachOptions opts;
  opts.ifname = next_ifname(used);  // eth0 at start; later after `network connect`'s
  opts.ports = cfg.ports;
  if (!cfg.ip.empty()) opts.ip = IpAddr::parse(cfg.ip);
  opts.mac = cfg.mac;
  opts.container_name = c.name;
  // As in Docker, names resolve on user-defined networks only.
  if (cfg.network != "bridge") {
    opts.aliases = cfg.aliases;
    opts.aliases.insert(opts.aliases.begin(), c.name);
  }
  auto att = nets.attach(c.id, c.state.netns, network, opts);
  if (!att) return std::unexpected(att.error().wrap("attach to network `" + network + "`"));
  c.state.networks.push_back(attachment_record(*att, opts.aliases));
  return c.state.networks.back();
}

Result<> connect_container(Runtime& rt, const std::string& id, const ConnectRequest& req) {
  for (const auto& a : req.aliases) BERTH_TRY(validate_alias(a));
  if (!req.ip.empty() && !IpAddr::parse(req.ip))
    return fail(Code::kInvalidConfig, "invalid --ip `" + req.ip + "`: not an IP address");
  auto lock = BERTH_TRY(rt.store.lock(id));
  auto c = BERTH_TRY(load_connectable(rt, id));
  const std::string network = BERTH_TRY(rt.networks().inspect(req.network)).name;
  const bool own = is_own_network(c, network);
  bool already = own && !c.own_network_detached;
  for (const auto& n : c.connected) already |= n.network == network;
  for (const auto& a : c.state.networks) already |= a.network == network;
  if (already)
    return fail(Code::kInvalidConfig,
                "container `" + c.name + "` is already on network `" + network + "`");
  if (own) {
    // Back on the network it was created on, as it was created: its -p, --ip, --mac-address
    // and --network-alias. Other settings would have to outlive the next start too.
    if (!req.aliases.empty() || !req.ip.empty())
      return fail(Code::kInvalidConfig,
                  "network `" + network + "` is the one container `" + c.name + "` was created on",
                  "it comes back with the settings it was created with; drop --alias and --ip");
    if (attached_now(c)) BERTH_TRY(attach_own(rt, c));
    c.own_network_detached = false;
  } else {
    ConnectedNetwork n{network, req.aliases, req.ip};
    if (attached_now(c)) BERTH_TRY(attach_connected(rt, c, n));
    c.connected.push_back(std::move(n));
  }
  BERTH_TRY(rt.store.save(c));
  if (attached_now(c)) refresh_hosts(rt, c, {network});
  return {};
}

Result<> disconnect_container(Runtime& rt, const std::string& id, const std::string& network) {
  auto lock = BERTH_TRY(rt.store.lock(id));
  auto c = BERTH_TRY(load_connectable(rt, id));
  auto was_connected = std::find_if(c.connected.begin(), c.connected.end(),
                                    [&](const ConnectedNetwork& n) { return n.network == network; });
  auto live = std::find_if(c.state.networks.begin(), c.state.networks.end(),
                           [&](const NetAttachment& a) { return a.network == network; });
  const bool own = is_own_network(c, network) && !c.own_network_detached;
  const bool now = attached_now(c) && live != c.state.networks.end();
  if (!now && !own && was_connected == c.connected.end())
    return fail(Code::kInvalidConfig,
                "container `" + c.name + "` is not on network `" + network + "`");
  if (now) {
    BERTH_TRY(rt.networks().detach(c.id, c.state.netns, live->network, live->ifname));
    c.state.networks.erase(live);
  }
  if (was_connected != c.connected.end()) c.connected.erase(was_connected);
  // Its own network is not attached again at the next start (nor by a restart policy).
  if (own) c.own_network_detached = true;
  BERTH_TRY(rt.store.save(c));
  if (attached_now(c)) refresh_hosts(rt, c, {network});
  return {};
}

}  // namespace berth::runtime
