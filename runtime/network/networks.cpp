// Networks: the lifecycle of berth's networks (create, list, inspect, remove, prune,
// the default one). Attachments live in attach.cpp.
#include <spdlog/spdlog.h>

#include "core/cni/names.h"
#include "runtime/network/files.h"
#include "runtime/network/host_routes.h"
#include "runtime/network/lock.h"
#include "runtime/network/network.h"
#include "runtime/network/network_config.h"
#include "runtime/network/store.h"
#include "runtime/network/teardown.h"

namespace berth::runtime::net {
namespace {

constexpr const char* kReservedNames[] = {"bridge", "host", "none"};
constexpr size_t kMaxNetworkName = 128;

// Writes a new network's conflist. The caller holds the networks lock exclusively, so the
// subnets seen here cannot be taken concurrently.
Result<NetworkInfo> create_locked(const Paths& paths, const CreateOptions& opts,
                                  const std::string& bridge) {
  BERTH_TRY(cni::validate_network_name(opts.name));
  if (opts.driver != "bridge")
    return fail(Code::kInvalidConfig, "unsupported network driver `" + opts.driver + "`",
                "berth has `bridge` only");
  if (BERTH_TRY(load_network(paths, opts.name)))
    return fail(Code::kInvalidConfig, "network with name `" + opts.name + "` already exists");
  auto existing = BERTH_TRY(load_networks(paths));
  std::vector<TakenSubnet> taken;
  for (const auto& n : existing)
    for (const auto& s : n.info.subnets) taken.push_back({s, n.info.name});
  auto routes = BERTH_TRY(host_route_prefixes());
  NetworkSpec spec;
  spec.name = opts.name;
  spec.id = BERTH_TRY(random_id());
  spec.bridge = bridge.empty() ? bridge_name_for(spec.id) : bridge;
  spec.subnets = BERTH_TRY(plan_subnets(opts, spec.id, taken, routes));
  spec.internal = opts.internal;
  spec.icc = opts.icc;
  spec.ipam_data_dir = paths.ipam_data_dir;
  auto conf = make_conflist(spec);
  // 0755 and 0644: a CNI config directory, like /etc/cni/net.d, that other CNI tools
  // (cnitool, podman, containerd) are pointed at and read; conflists hold no secrets.
  BERTH_TRY(make_dirs(paths.config_dir, 0755));
  BERTH_TRY(write_file_atomic(conflist_path(paths, opts.name), conf.dump(2) + "\n", 0644));
  return info_from_conflist(conf);
}

Result<> remove_locked(const Paths& paths, Networks& self, const StoredNetwork& net) {
  if (net.info.name == kDefaultNetwork)
    return fail(Code::kInvalidConfig, "`bridge` is the default network and cannot be removed");
  auto eps = BERTH_TRY(self.endpoints(net.info.name));
  if (!eps.empty()) {
    std::string names;
    for (const auto& e : eps)
      names += (names.empty() ? "" : ", ") +
               (e.container_name.empty() ? e.container_id.substr(0, 12) : e.container_name);
    return fail(Code::kInvalidConfig,
                "network " + net.info.name + " has active endpoints: " + names);
  }
  BERTH_TRY(remove_file(conflist_path(paths, net.info.name)));
  // The network is gone once its file is; leftovers are reported but do not bring it back.
  if (auto r = teardown_network(paths, net); !r) spdlog::warn("{}", r.error().what());
  return {};
}

}  // namespace

Networks::Networks(Paths paths) : paths_(std::move(paths)) {}

Result<NetworkInfo> Networks::ensure_default() {
  // Fast path without the lock: every `berth run` comes through here.
  if (auto n = BERTH_TRY(load_network(paths_, kDefaultNetwork))) return std::move(n->info);
  auto lock = BERTH_TRY(FileLock::acquire(networks_lock_path(paths_), FileLock::Mode::kExclusive));
  if (auto n = BERTH_TRY(load_network(paths_, kDefaultNetwork))) return std::move(n->info);
  CreateOptions opts;
  opts.name = kDefaultNetwork;
  auto info = create_locked(paths_, opts, kDefaultBridge);
  if (!info) return std::unexpected(info.error().wrap("create the default network"));
  return info;
}

Result<NetworkInfo> Networks::create(const CreateOptions& opts) {
  BERTH_TRY(cni::validate_network_name(opts.name));  // before anything is made, the lock too
  // The name ends up in file names and tags with limits of their own: the libcni cache
  // entry <name>-<64-hex id>-<ifname> (255 bytes: at most 174), berth-bridge's nftables
  // tags (183), the conflist <name>.conflist (246). 128 leaves room in all of them.
  if (opts.name.size() > kMaxNetworkName)
    return fail(Code::kInvalidConfig, "invalid network name: too long",
                std::to_string(opts.name.size()) + " bytes; at most " +
                    std::to_string(kMaxNetworkName));
  for (const char* reserved : kReservedNames)
    if (opts.name == reserved)
      return fail(Code::kInvalidConfig, "network name `" + opts.name + "` is reserved",
                  "`bridge`, `host` and `none` are berth's predefined networks");
  auto lock = BERTH_TRY(FileLock::acquire(networks_lock_path(paths_), FileLock::Mode::kExclusive));
  auto info = create_locked(paths_, opts, "");
  if (!info) return std::unexpected(info.error().wrap("create network `" + opts.name + "`"));
  return info;
}

Result<std::vector<NetworkInfo>> Networks::list() {
  std::vector<NetworkInfo> out;
  for (auto& n : BERTH_TRY(load_networks(paths_))) out.push_back(std::move(n.info));
  return out;
}

Result<NetworkInfo> Networks::inspect(const std::string& name_or_id) {
  return BERTH_TRY(find_network(paths_, name_or_id)).info;
}

Result<> Networks::remove(const std::string& name_or_id) {
  auto lock = BERTH_TRY(FileLock::acquire(networks_lock_path(paths_), FileLock::Mode::kExclusive));
  auto net = BERTH_TRY(find_network(paths_, name_or_id));
  return remove_locked(paths_, *this, net);
}

Result<std::vector<std::string>> Networks::prune() {
  auto lock = BERTH_TRY(FileLock::acquire(networks_lock_path(paths_), FileLock::Mode::kExclusive));
  std::vector<std::string> removed;
  for (const auto& net : BERTH_TRY(load_networks(paths_))) {
    if (net.info.name == kDefaultNetwork || !BERTH_TRY(endpoints(net.info.name)).empty()) continue;
    BERTH_TRY(remove_locked(paths_, *this, net));
    removed.push_back(net.info.name);
  }
  return removed;
}

}  // namespace berth::runtime::net
