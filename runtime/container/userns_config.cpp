#include "runtime/container/userns_config.h"

#include <cstdlib>
#include <fstream>

#include "runtime/process/userns.h"

namespace berth::runtime {
namespace {

constexpr uint32_t kAutoSize = 65536;
constexpr uint64_t kDefaultBase = 100000;
constexpr uint64_t kLastId = 4294967294u;

// The ranges `user` has in a /etc/subuid-shaped file ("name:start:count" lines).
std::vector<std::pair<uint64_t, uint64_t>> sub_ranges(const char* env, const char* fallback,
                                                      const std::string& user) {
  const char* path = std::getenv(env);
  std::ifstream in(path && *path ? path : fallback);
  std::vector<std::pair<uint64_t, uint64_t>> out;
  std::string line;
  while (std::getline(in, line)) {
    auto c1 = line.find(':'), c2 = line.find(':', c1 == std::string::npos ? 0 : c1 + 1);
    if (c2 == std::string::npos || line.substr(0, c1) != user) continue;
    char* end = nullptr;
    uint64_t start = std::strtoull(line.c_str() + c1 + 1, &end, 10);
    if (end != line.c_str() + c2) continue;
    uint64_t count = std::strtoull(line.c_str() + c2 + 1, &end, 10);
    if (*end != '\0' || count < kAutoSize || start + count - 1 > kLastId) continue;
    out.emplace_back(start, count);
  }
  return out;
}

// The k-th block of 65536 ids of a pool, if it has one.
std::optional<uint64_t> nth_block(const std::vector<std::pair<uint64_t, uint64_t>>& pool,
                                  uint64_t k) {
  for (auto [start, count] : pool) {
    uint64_t n = count / kAutoSize;
    if (k < n) return start + k * kAutoSize;
    k -= n;
  }
  return std::nullopt;
}

}  // namespace

Result<> parse_userns_options(const std::string& mode, const std::vector<std::string>& uidmaps,
                              const std::vector<std::string>& gidmaps, ContainerConfig& c) {
  if (mode != "" && mode != "host" && mode != "auto")
    return fail(Code::kInvalidConfig, "invalid --userns `" + mode.substr(0, 80) + "`",
                "expected host or auto (or --uidmap/--gidmap for explicit maps)");
  bool maps = !uidmaps.empty() || !gidmaps.empty();
  if (maps && !mode.empty())
    return fail(Code::kInvalidConfig, "conflicting options: --userns and --uidmap/--gidmap");
  c.userns = maps ? "private" : mode == "auto" ? "auto" : "";
  c.uid_map.clear();
  c.gid_map.clear();
  if (c.userns.empty()) return {};
  if (c.network == "host" || c.network.starts_with("container:"))
    return fail(
        Code::kInvalidConfig,
        "conflicting options: a user namespace cannot share the network of `" + c.network + "`",
        "the network namespace must belong to the container's own user namespace");
  // The host side mounts the volumes before the init mounts /proc, /sys and /dev (which
  // need the container's own namespaces, userns_rootfs.h): one below those would be hidden.
  for (const auto& v : c.volumes)
    for (const char* dir : {"/proc", "/sys", "/dev"})
      if (v.target == dir || v.target.starts_with(std::string(dir) + "/"))
        return fail(Code::kInvalidConfig,
                    "a volume at `" + v.target + "` is not supported with a user namespace",
                    std::string("the container's own ") + dir + " is mounted over it");
  for (const auto& m : uidmaps) c.uid_map.push_back(BERTH_TRY(parse_id_range(m, "--uidmap")));
  for (const auto& m : gidmaps) c.gid_map.push_back(BERTH_TRY(parse_id_range(m, "--gidmap")));
  if (c.gid_map.empty()) c.gid_map = c.uid_map;
  if (c.uid_map.empty()) c.uid_map = c.gid_map;
  if (maps) {
    BERTH_TRY(validate_id_map(c.uid_map, "--uidmap"));
    BERTH_TRY(validate_id_map(c.gid_map, "--gidmap"));
  }
  return {};
}

Result<> allocate_userns(ContainerConfig& cfg, const std::vector<Container>& all) {
  if (cfg.userns != "auto") return {};
  auto uids = sub_ranges("BERTH_SUBUID_FILE", "/etc/subuid", "berth");
  auto gids = sub_ranges("BERTH_SUBGID_FILE", "/etc/subgid", "berth");
  if (uids.empty() || gids.empty()) {
    uint64_t count = (kLastId + 1 - kDefaultBase) / kAutoSize * kAutoSize;
    uids = gids = {{kDefaultBase, count}};
  }
  for (uint64_t k = 0;; ++k) {
    auto u = nth_block(uids, k), g = nth_block(gids, k);
    if (!u || !g) break;
    bool used = false;
    for (const auto& c : all)
      used = used || overlaps_host(c.config.uid_map, *u, kAutoSize) ||
             overlaps_host(c.config.gid_map, *g, kAutoSize);
    if (used) continue;
    cfg.uid_map = {{0, uint32_t(*u), kAutoSize}};
    cfg.gid_map = {{0, uint32_t(*g), kAutoSize}};
    return {};
  }
  return fail(Code::kInvalidConfig, "--userns auto: no free range of 65536 ids is left",
              "remove containers, or give the user `berth` more ids in /etc/subuid and "
              "/etc/subgid");
}

Result<UniqueFd> container_userns(const ContainerConfig& cfg) {
  if (cfg.userns.empty()) return UniqueFd();
  if (cfg.uid_map.empty() || cfg.gid_map.empty())
    return fail(Code::kInvalidConfig, "the container has a user namespace but no id maps");
  return create_userns(cfg.uid_map, cfg.gid_map);
}

}  // namespace berth::runtime
