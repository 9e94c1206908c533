#include "runtime/network/cache.h"

#include <dirent.h>

#include "core/fd.h"
#include "core/base64.h"
#include "runtime/network/files.h"

namespace berth::runtime::net {
namespace {

using nlohmann::json;

std::string results_dir(const std::string& cache_dir) { return cache_dir + "/results"; }

std::string str_of(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

struct DirClose {
  void operator()(DIR* d) const { closedir(d); }
};

}  // namespace

json cache_to_json(const CacheEntry& e) {
  json args = json::array();
  for (const auto& [k, v] : e.cni_args) args.push_back({k, v});
  return {{"kind", "cniCacheV1"},
          {"containerId", e.container_id},
          {"config", base64_encode(e.config)},
          {"ifName", e.ifname},
          {"networkName", e.network},
          {"netns", e.netns},
          {"cniArgs", args},
          {"capabilityArgs", e.capability_args.is_null() ? json::object() : e.capability_args},
          {"result", e.result}};
}

Result<CacheEntry> cache_from_json(const json& j) {
  if (!j.is_object()) return fail(Code::kDecode, "cached result is not a JSON object");
  CacheEntry e;
  if (str_of(j, "kind") != "cniCacheV1") {  // a bare result, as libcni wrote before cniCacheV1
    e.result = j;
    return e;
  }
  e.container_id = str_of(j, "containerId");
  e.ifname = str_of(j, "ifName");
  e.network = str_of(j, "networkName");
  e.netns = str_of(j, "netns");
  if (auto cfg = str_of(j, "config"); !cfg.empty()) {
    auto bytes = base64_decode(cfg);
    if (!bytes) return fail(Code::kDecode, "cached `config` is not base64");
    e.config = std::move(*bytes);
  }
  if (auto it = j.find("cniArgs"); it != j.end() && it->is_array()) {
    for (const auto& pair : *it) {
      if (!pair.is_array() || pair.size() != 2 || !pair[0].is_string() || !pair[1].is_string())
        return fail(Code::kDecode, "cached `cniArgs` must be a list of [key, value] pairs");
      e.cni_args.emplace_back(pair[0].get<std::string>(), pair[1].get<std::string>());
    }
  }
  if (auto it = j.find("capabilityArgs"); it != j.end() && it->is_object()) e.capability_args = *it;
  if (auto it = j.find("result"); it != j.end()) e.result = *it;
  return e;
}

std::string cache_path(const std::string& cache_dir, const std::string& network,
                       const std::string& container_id, const std::string& ifname) {
  return results_dir(cache_dir) + "/" + network + "-" + container_id + "-" + ifname;
}

Result<> write_cache(const std::string& cache_dir, const CacheEntry& e) {
  BERTH_TRY(make_dirs(results_dir(cache_dir), 0700));
  // Not fsync'd: this is on every container start, and a cache file lost in a crash is
  // survivable (detach then DELs with the network's current config, as after a reboot).
  return write_file_atomic(cache_path(cache_dir, e.network, e.container_id, e.ifname),
                           cache_to_json(e).dump(), 0600, /*durable=*/false);
}

Result<std::optional<CacheEntry>> read_cache(const std::string& cache_dir,
                                             const std::string& network,
                                             const std::string& container_id,
                                             const std::string& ifname) {
  std::string path = cache_path(cache_dir, network, container_id, ifname);
  auto text = BERTH_TRY(read_file(path));
  if (!text) return std::optional<CacheEntry>();
  auto j = json::parse(*text, nullptr, false);
  if (j.is_discarded()) return fail(Code::kDecode, "cached result `" + path + "` is not JSON");
  auto e = cache_from_json(j);
  if (!e) return std::unexpected(e.error().wrap("read `" + path + "`"));
  // A bare result names nothing; the file name does.
  if (e->network.empty()) e->network = network;
  if (e->container_id.empty()) e->container_id = container_id;
  if (e->ifname.empty()) e->ifname = ifname;
  return std::optional<CacheEntry>(std::move(*e));
}

Result<> remove_cache(const std::string& cache_dir, const std::string& network,
                      const std::string& container_id, const std::string& ifname) {
  return remove_file(cache_path(cache_dir, network, container_id, ifname));
}

Result<std::vector<CacheEntry>> list_cache(const std::string& cache_dir,
                                           const std::string& network) {
  std::vector<CacheEntry> out;
  std::string dir = results_dir(cache_dir);
  std::unique_ptr<DIR, DirClose> d(opendir(dir.c_str()));
  if (!d) {
    if (errno == ENOENT) return out;
    return fail_errno(Code::kIo, "open `" + dir + "`", errno);
  }
  std::string prefix = network + "-";
  while (dirent* ent = readdir(d.get())) {
    std::string name = ent->d_name;
    if (name.rfind(prefix, 0) != 0 || name.find(".tmp-") != std::string::npos) continue;
    auto text = read_file(dir + "/" + name);
    if (!text || !*text) continue;
    auto j = json::parse(**text, nullptr, false);
    if (j.is_discarded()) continue;
    auto e = cache_from_json(j);
    if (!e || e->network != network) continue;  // "a-b" also starts with "a-"
    out.push_back(std::move(*e));
  }
  return out;
}

}  // namespace berth::runtime::net
