#include "runtime/network/store.h"

#include <sys/random.h>

#include <algorithm>
#include <filesystem>

#include <spdlog/spdlog.h>

#include "core/cni/names.h"
#include "runtime/network/files.h"
#include "runtime/network/network_config.h"

namespace berth::runtime::net {
namespace {

Result<StoredNetwork> parse_stored(const std::string& path, std::string bytes) {
  auto list = parse_conflist(std::move(bytes));
  if (!list) return std::unexpected(list.error().wrap("load `" + path + "`"));
  auto info = info_from_conflist(list->conf);
  if (!info) return std::unexpected(info.error().wrap("load `" + path + "`"));
  return StoredNetwork{std::move(*info), std::move(*list)};
}

}  // namespace

std::string conflist_path(const Paths& paths, const std::string& name) {
  return paths.config_dir + "/" + name + ".conflist";
}

std::string networks_lock_path(const Paths& paths) { return paths.state_dir + "/networks.lock"; }

Result<std::optional<StoredNetwork>> load_network(const Paths& paths, const std::string& name) {
  BERTH_TRY(cni::validate_network_name(name));
  std::string path = conflist_path(paths, name);
  auto bytes = BERTH_TRY(read_file(path));
  if (!bytes) return std::optional<StoredNetwork>();
  auto stored = BERTH_TRY(parse_stored(path, std::move(*bytes)));
  if (stored.info.name != name)
    return fail(Code::kInvalidConfig, "load `" + path + "`",
                "it names network `" + stored.info.name + "`");
  return std::optional<StoredNetwork>(std::move(stored));
}

Result<std::vector<StoredNetwork>> load_networks(const Paths& paths) {
  std::vector<StoredNetwork> out;
  std::error_code ec;
  std::filesystem::directory_iterator it(paths.config_dir, ec), end;
  if (ec) {
    if (ec == std::errc::no_such_file_or_directory) return out;
    return fail(Code::kIo, "list `" + paths.config_dir + "`: " + ec.message());
  }
  for (; it != end; it.increment(ec)) {
    const auto& p = it->path();
    if (p.extension() != ".conflist") continue;
    auto bytes = read_file(p.string());
    if (!bytes || !*bytes) continue;  // removed meanwhile
    auto stored = parse_stored(p.string(), std::move(**bytes));
    if (!stored) {
      spdlog::warn("skipping {}", stored.error().what());
      continue;
    }
    out.push_back(std::move(*stored));
  }
  std::sort(out.begin(), out.end(),
            [](const auto& a, const auto& b) { return a.info.name < b.info.name; });
  return out;
}

Result<StoredNetwork> find_network(const Paths& paths, const std::string& name_or_id) {
  if (cni::validate_network_name(name_or_id))
    if (auto byname = BERTH_TRY(load_network(paths, name_or_id))) return std::move(*byname);
  auto all = BERTH_TRY(load_networks(paths));
  std::vector<StoredNetwork*> hits;
  for (auto& n : all)
    if (n.info.id == name_or_id) return std::move(n);
  for (auto& n : all)
    if (!name_or_id.empty() && n.info.id.rfind(name_or_id, 0) == 0) hits.push_back(&n);
  if (hits.size() == 1) return std::move(*hits.front());
  if (hits.size() > 1)
    return fail(Code::kInvalidConfig, "network id prefix `" + name_or_id + "` is ambiguous",
                "it matches " + std::to_string(hits.size()) + " networks");
  return fail(Code::kInvalidConfig, "no such network `" + name_or_id + "`");
}

Result<std::string> random_id() {
  unsigned char bytes[32];
  size_t got = 0;
  while (got < sizeof bytes) {
    ssize_t n = getrandom(bytes + got, sizeof bytes - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail_errno(Code::kIo, "getrandom", errno);
    got += size_t(n);
  }
  static const char* digits = "0123456789abcdef";
  std::string id;
  for (unsigned char b : bytes) {
    id += digits[b >> 4];
    id += digits[b & 15];
  }
  return id;
}

}  // namespace berth::runtime::net
