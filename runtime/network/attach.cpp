// Networks: attaching containers (CNI ADD/DEL through the engine) and reading back who is
// attached, from the result cache.
#include <algorithm>
#include <tuple>

#include <spdlog/spdlog.h>

#include "core/cni/names.h"
#include "runtime/network/attachment.h"
#include "runtime/network/cache.h"
#include "runtime/network/engine.h"
#include "runtime/network/lock.h"
#include "runtime/network/network.h"
#include "runtime/network/network_config.h"
#include "runtime/network/ports.h"
#include "runtime/network/store.h"

namespace berth::runtime::net {
namespace {

Result<> validate(const std::string& container_id, const std::string& ifname) {
  BERTH_TRY(cni::validate_container_id(container_id));
  BERTH_TRY(cni::validate_ifname(ifname));
  return {};
}

// The network's name when it exists (callers may pass an id); else `name_or_id` itself,
// so that what is cached for a network that is gone can still be found.
std::string network_name(const Paths& paths, const std::string& name_or_id) {
  auto net = find_network(paths, name_or_id);
  return net ? net->info.name : name_or_id;
}

std::string id_of_config(const std::string& bytes) {
  auto j = nlohmann::json::parse(bytes, nullptr, false);
  if (!j.is_object()) return {};
  auto it = j.find(kIdKey);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

Result<Attachment> Networks::attach(const std::string& container_id, const std::string& netns_path,
                                    const std::string& network, const AttachOptions& opts) {
  BERTH_TRY(validate(container_id, opts.ifname));
  // Shared: many containers join at once, but a network is not removed meanwhile.
  auto lock = BERTH_TRY(FileLock::acquire(networks_lock_path(paths_), FileLock::Mode::kShared));
  auto net = BERTH_TRY(find_network(paths_, network));
  const std::string& name = net.info.name;
  if (BERTH_TRY(read_cache(paths_.cache_dir, name, container_id, opts.ifname)))
    return fail(Code::kInvalidConfig, "container `" + container_id +
                                          "` is already attached to network `" + name + "` as `" +
                                          opts.ifname + "`");
  auto ports = opts.ports;
  BERTH_TRY(assign_free_ports(ports));
  RuntimeConf rt{container_id, netns_path, opts.ifname, cni_args_for(opts.container_name),
                 capability_args(opts, ports)};
  Engine engine(paths_.plugin_dirs, paths_.cache_dir);
  auto result = engine.add(net.list, rt);
  if (!result) {
    // libcni leaves this to its caller: DEL the whole chain so that no plugin keeps a
    // half-made attachment (veth, lease, rules).
    if (auto d = engine.del(net.list, rt, nlohmann::json()); !d)
      spdlog::warn("cleaning up after the failed attach: {}", d.error().what());
    return std::unexpected(result.error());
  }
  return attachment_from(CacheEntry{container_id, net.list.bytes, opts.ifname, name, netns_path,
                                    rt.args, rt.cap_args, *result});
}

Result<> Networks::detach(const std::string& container_id, const std::string& netns_path,
                          const std::string& network, const std::string& ifname) {
  BERTH_TRY(validate(container_id, ifname));
  std::string name = network_name(paths_, network);
  BERTH_TRY(cni::validate_network_name(name));
  auto read = read_cache(paths_.cache_dir, name, container_id, ifname);
  if (!read && read.error().code != Code::kDecode) return std::unexpected(read.error());
  // An unreadable cache file (torn by a crash) still marks an attachment: DEL it with the
  // network's current config and nothing else, as libcni does.
  auto cached = read ? std::move(*read) : std::optional<CacheEntry>(CacheEntry{});
  if (!cached) return {};  // never attached, or already detached
  // DEL runs with the config of the ADD (the network may have changed or be gone since),
  // and with its CNI_ARGS and capability args: portMappings must come again on DEL.
  std::string bytes = cached->config;
  if (bytes.empty()) {
    auto net = find_network(paths_, name);
    if (!net) return std::unexpected(net.error().wrap("detach `" + container_id + "`"));
    bytes = net->list.bytes;
  }
  auto list = parse_conflist(bytes);
  if (!list)
    return std::unexpected(list.error().wrap("detach `" + container_id + "`: cached config"));
  // The netns is the caller's, not the cached one: a cached /proc/<pid>/ns/net may name
  // another process's namespace by now. Empty: the plugins skip the container side.
  RuntimeConf rt{container_id, netns_path, ifname, cached->cni_args, cached->capability_args};
  Engine engine(paths_.plugin_dirs, paths_.cache_dir);
  return engine.del(*list, rt, cached->result);
}

Result<std::vector<Networks::Endpoint>> Networks::endpoints(const std::string& network) {
  auto net = find_network(paths_, network);
  std::string name = net ? net->info.name : network;
  std::vector<Endpoint> out;
  for (const auto& e : BERTH_TRY(list_cache(paths_.cache_dir, name))) {
    // A cache entry of an older network of the same name is not an endpoint of this one.
    std::string cached_id = id_of_config(e.config);
    if (net && !cached_id.empty() && cached_id != net->info.id) continue;
    out.push_back({e.container_id, container_name_of(e), attachment_from(e)});
  }
  std::sort(out.begin(), out.end(), [](const Endpoint& a, const Endpoint& b) {
    return std::tie(a.container_id, a.attachment.ifname) <
           std::tie(b.container_id, b.attachment.ifname);
  });
  return out;
}

Result<std::vector<std::pair<std::string, std::string>>> Networks::attachments(
    const std::string& network) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& e : BERTH_TRY(endpoints(network)))
    out.emplace_back(e.container_id, e.attachment.ifname);
  return out;
}

Result<std::optional<Attachment>> Networks::cached(const std::string& container_id,
                                                   const std::string& network,
                                                   const std::string& ifname) {
  BERTH_TRY(validate(container_id, ifname));
  std::string name = network_name(paths_, network);
  BERTH_TRY(cni::validate_network_name(name));
  auto entry = BERTH_TRY(read_cache(paths_.cache_dir, name, container_id, ifname));
  if (!entry) return std::optional<Attachment>();
  return std::optional<Attachment>(attachment_from(*entry));
}

}  // namespace berth::runtime::net
