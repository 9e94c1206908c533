#include "runtime/container/volumes.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <set>

#include "runtime/container/clock.h"
#include "runtime/container/id.h"
#include "runtime/container/parse.h"
#include "runtime/rootfs/tree.h"

namespace berth::runtime {
namespace {

constexpr const char* kTrashPrefix = ".removing-";

std::string volumes_path(const std::string& root) { return root + "/volumes"; }

Result<UniqueFd> open_dir_at(int dirfd, const std::string& name, const std::string& shown) {
  UniqueFd fd(::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (fd.valid()) return fd;
  if (errno == ELOOP || errno == ENOTDIR)
    return fail(Code::kIo, "refusing to use `" + shown + "`",
                "it is not a directory (a symlink?); berth never follows one in its store");
  return fail_errno(Code::kIo, "open `" + shown + "`", errno);
}

// The directory `name` in `dirfd`, made with exactly `mode` when missing; never a symlink.
Result<UniqueFd> subdir(int dirfd, const std::string& name, mode_t mode, const std::string& shown) {
  bool made = ::mkdirat(dirfd, name.c_str(), mode) == 0;
  if (!made && errno != EEXIST)
    return fail_errno(Code::kIo, "create directory `" + shown + "`", errno);
  auto fd = BERTH_TRY(open_dir_at(dirfd, name, shown));
  if (made && ::fchmod(fd.get(), mode) != 0)
    return fail_errno(Code::kIo, "set the mode of `" + shown + "`", errno);
  return fd;
}

// volumes/, opened without following a symlink; an invalid fd when it does not exist.
Result<UniqueFd> open_volumes(const std::string& root) {
  std::string path = volumes_path(root);
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (fd.valid() || errno == ENOENT) return fd;
  if (errno == ELOOP || errno == ENOTDIR)
    return fail(Code::kIo, "refusing to use `" + path + "`",
                "it is not a directory (a symlink?); berth never follows one in its store");
  return fail_errno(Code::kIo, "open `" + path + "`", errno);
}

bool is_real_dir_at(int dirfd, const char* name) {
  struct stat st {};
  return ::fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

// The volume `name` in volumes/ (open at `vfd`), if it is one: a real directory with a
// real _data. Its CreatedAt comes from the directory's birth (else modification) time.
std::optional<VolumeInfo> volume_at(int vfd, const std::string& root, const std::string& name) {
  if (!validate_volume_name(name)) return std::nullopt;
  UniqueFd d(::openat(vfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!d.valid() || !is_real_dir_at(d.get(), "_data")) return std::nullopt;
  struct statx sx {};
  int64_t t = 0;
  if (::statx(d.get(), "", AT_EMPTY_PATH, STATX_BTIME | STATX_MTIME, &sx) == 0)
    t = (sx.stx_mask & STATX_BTIME) ? sx.stx_btime.tv_sec : sx.stx_mtime.tv_sec;
  return VolumeInfo{name, volumes_path(root) + "/" + name + "/_data", rfc3339_seconds(t)};
}

std::unexpected<Error> no_such_volume(const std::string& name) {
  return fail(Code::kUnknownContainer, "no such volume: `" + name + "`");
}

// Under the lock: moves volume `name` out of every name's reach; returns the new entry.
Result<std::string> detach(int vfd, const std::string& name) {
  std::string trash = kTrashPrefix + new_id();
  if (::renameat(vfd, name.c_str(), vfd, trash.c_str()) != 0)
    return fail_errno(Code::kIo, "remove volume `" + name + "`", errno);
  return trash;
}

// After the lock: the detached tree goes, depth-first on descriptors. `size` (if given)
// gets the bytes its _data held.
Result<> destroy(int vfd, const std::string& root, const std::string& name,
                 const std::string& trash, uint64_t* size) {
  std::string shown = volumes_path(root) + "/" + trash;
  if (size) {
    UniqueFd d(::openat(vfd, trash.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    UniqueFd data(d.valid()
                      ? ::openat(d.get(), "_data", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                      : -1);
    *size = data.valid() ? tree_size_at(data.get()) : 0;
  }
  if (auto r = remove_tree_at(vfd, trash, shown); !r)
    return std::unexpected(
        r.error().wrap("remove volume `" + name + "` (what is left is `" + shown + "`)"));
  return {};
}

std::string users_text(const std::vector<std::string>& users) {
  std::string out;
  for (const auto& u : users) out += (out.empty() ? "" : ", ") + u;
  return out;
}

}  // namespace

Result<std::string> ensure_volume(const std::string& root, const std::string& name) {
  BERTH_TRY(validate_volume_name(name));
  UniqueFd rfd(::open(root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!rfd.valid()) return fail_errno(Code::kIo, "open `" + root + "`", errno);
  std::string vols = volumes_path(root);
  auto vfd = BERTH_TRY(subdir(rfd.get(), "volumes", 0700, vols));
  auto nfd = BERTH_TRY(subdir(vfd.get(), name, 0700, vols + "/" + name));
  (void)BERTH_TRY(subdir(nfd.get(), "_data", 0755, vols + "/" + name + "/_data"));
  return vols + "/" + name + "/_data";
}

Result<VolumeInfo> create_volume(const Store& store, std::string name) {
  if (name.empty()) name = new_id();
  BERTH_TRY(validate_volume_name(name));
  auto lock = BERTH_TRY(store.lock_names());
  BERTH_TRY(ensure_volume(store.root(), name));
  return inspect_volume(store.root(), name);
}

Result<std::vector<VolumeInfo>> list_volumes(const std::string& root) {
  std::vector<VolumeInfo> out;
  auto vfd = BERTH_TRY(open_volumes(root));
  if (!vfd.valid()) return out;
  int dup = ::fcntl(vfd.get(), F_DUPFD_CLOEXEC, 0);
  DIR* d = dup < 0 ? nullptr : ::fdopendir(dup);
  if (!d) {
    int err = errno;
    if (dup >= 0) ::close(dup);
    return fail_errno(Code::kIo, "list `" + volumes_path(root) + "`", err);
  }
  while (dirent* e = ::readdir(d)) {
    if (e->d_type != DT_DIR && e->d_type != DT_UNKNOWN) continue;
    if (auto v = volume_at(vfd.get(), root, e->d_name)) out.push_back(std::move(*v));
  }
  ::closedir(d);
  std::sort(out.begin(), out.end(),
            [](const VolumeInfo& a, const VolumeInfo& b) { return a.name < b.name; });
  return out;
}

Result<VolumeInfo> inspect_volume(const std::string& root, const std::string& name) {
  if (!validate_volume_name(name)) return no_such_volume(name);
  auto vfd = BERTH_TRY(open_volumes(root));
  if (!vfd.valid()) return no_such_volume(name);
  auto v = volume_at(vfd.get(), root, name);
  if (!v) return no_such_volume(name);
  return *v;
}

std::vector<std::string> volume_users(const std::vector<Container>& all, std::string_view name) {
  std::vector<std::string> out;
  for (const auto& c : all) {
    bool uses = std::any_of(c.config.volumes.begin(), c.config.volumes.end(),
                            [&](const Volume& v) { return v.source == name; });
    if (uses) out.push_back(c.name + " (" + short_id(c.id) + ")");
  }
  return out;
}

Result<> remove_volume(const Store& store, const std::string& name) {
  if (!validate_volume_name(name)) return no_such_volume(name);
  std::string trash;
  UniqueFd vfd;
  {
    auto lock = BERTH_TRY(store.lock_names());
    vfd = BERTH_TRY(open_volumes(store.root()));
    if (!vfd.valid() || !volume_at(vfd.get(), store.root(), name)) return no_such_volume(name);
    auto users = volume_users(BERTH_TRY(store.list()), name);
    if (!users.empty())
      return fail(Code::kInvalidConfig,
                  "volume `" + name + "` is in use by container" + (users.size() > 1 ? "s " : " ") +
                      users_text(users),
                  "remove the container" + std::string(users.size() > 1 ? "s" : "") +
                      " first (berth rm); -f does not override this");
    trash = BERTH_TRY(detach(vfd.get(), name));
  }
  return destroy(vfd.get(), store.root(), name, trash, nullptr);
}

Result<PruneReport> prune_volumes(const Store& store) {
  PruneReport report;
  std::vector<std::pair<std::string, std::string>> detached;  // name, trash
  std::vector<Error> errors;
  UniqueFd vfd;
  {
    auto lock = BERTH_TRY(store.lock_names());
    vfd = BERTH_TRY(open_volumes(store.root()));
    if (!vfd.valid()) return report;
    auto all = BERTH_TRY(store.list());
    std::set<std::string> used;
    for (const auto& c : all)
      for (const auto& v : c.config.volumes) used.insert(v.source);
    for (const auto& v : BERTH_TRY(list_volumes(store.root()))) {
      if (used.count(v.name)) continue;
      auto trash = detach(vfd.get(), v.name);
      if (!trash) {
        errors.push_back(trash.error());  // the others still go
        continue;
      }
      detached.emplace_back(v.name, *trash);
    }
  }
  for (const auto& [name, trash] : detached) {
    uint64_t size = 0;
    if (auto r = destroy(vfd.get(), store.root(), name, trash, &size); !r) {
      errors.push_back(r.error());
      continue;
    }
    report.removed.push_back(name);
    report.reclaimed += size;
  }
  BERTH_TRY(join_errors(errors, "volume prune"));
  return report;
}

Result<> add_volume_filter(VolumeFilter& f, std::string_view kv) {
  auto eq = kv.find('=');
  std::string key(kv.substr(0, eq));
  std::string value(eq == std::string_view::npos ? "" : kv.substr(eq + 1));
  if (eq == std::string_view::npos || key.empty())
    return fail(Code::kInvalidConfig, "invalid filter `" + std::string(kv) + "`",
                "expected KEY=VALUE");
  if (key == "dangling") {
    if (value == "true" || value == "1") {
      f.dangling = true;
    } else if (value == "false" || value == "0") {
      f.dangling = false;
    } else {
      return fail(Code::kInvalidConfig, "invalid filter `" + std::string(kv) + "`",
                  "dangling is true or false");
    }
    return {};
  }
  if (key == "name") {
    f.names.push_back(value);
    return {};
  }
  if (key == "driver") {
    if (value != "local") f.other_driver = true;
    return {};
  }
  return fail(Code::kInvalidConfig, "invalid filter `" + key + "`",
              "berth knows dangling, name and driver");
}

bool volume_matches(const VolumeFilter& f, const VolumeInfo& v, bool in_use) {
  if (f.other_driver) return false;
  if (f.dangling && *f.dangling == in_use) return false;
  if (f.names.empty()) return true;
  return std::any_of(f.names.begin(), f.names.end(),
                     [&](const std::string& n) { return v.name.find(n) != std::string::npos; });
}

nlohmann::json mounts_json(const Container& c, const std::string& root) {
  auto out = nlohmann::json::array();
  for (const auto& v : c.config.volumes) {
    // A named volume's source has no '/' (parse_volume), a bind's is absolute. Mode
    // repeats what -v said ("ro" or nothing), never Docker's SELinux "z": berth does not
    // relabel. Every mount is rprivate (rootfs/mounts.cpp makes the tree private first),
    // which Docker reports for binds only.
    bool named = v.source[0] != '/';
    nlohmann::json m = {{"Type", named ? "volume" : "bind"},
                        {"Source", named ? volumes_path(root) + "/" + v.source + "/_data" : v.source},
                        {"Destination", v.target},
                        {"Mode", v.read_only ? "ro" : ""},
                        {"RW", !v.read_only},
                        {"Propagation", named ? "" : "rprivate"}};
    if (named) {
      m["Name"] = v.source;
      m["Driver"] = "local";
    }
    out.push_back(std::move(m));
  }
  return out;
}

nlohmann::json volume_json(const VolumeInfo& v) {
  return {{"CreatedAt", v.created_at},
          {"Driver", "local"},
          {"Labels", nlohmann::json::object()},
          {"Mountpoint", v.mountpoint},
          {"Name", v.name},
          {"Options", nlohmann::json::object()},
          {"Scope", "local"}};
}

std::string human_size_si(uint64_t bytes) {
  static const char* units[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
  double v = double(bytes);
  size_t u = 0;
  while (v >= 1000 && u + 1 < std::size(units)) v /= 1000, ++u;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g%s", v, units[u]);
  return buf;
}

}  // namespace berth::runtime
