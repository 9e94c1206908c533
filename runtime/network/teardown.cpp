#include "runtime/network/teardown.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "core/cni/names.h"
#include "core/fd.h"
#include "core/netlink/link.h"
#include "runtime/network/engine.h"

namespace berth::runtime::net {
namespace {

Result<> delete_bridge(const std::string& name) {
  auto sock = BERTH_TRY(netlink::Socket::open());
  auto link = BERTH_TRY(netlink::get_link(sock, name));
  if (!link) return {};
  // Never delete something that is not ours to delete: only a bridge of that name.
  if (link->kind != "bridge")
    return fail(Code::kInvalidConfig, "`" + name + "` is not a bridge; left in place");
  BERTH_TRY(netlink::delete_link(sock, name));
  return {};
}

// Entry names of the directory open at `fd` (without . and ..).
Result<std::vector<std::string>> entries(int fd, const std::string& shown) {
  int dup = ::openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR* d = dup < 0 ? nullptr : ::fdopendir(dup);
  if (!d) {
    int err = errno;
    if (dup >= 0) ::close(dup);
    return fail_errno(Code::kIo, "list `" + shown + "`", err);
  }
  std::vector<std::string> out;
  while (dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") out.push_back(std::move(n));
  }
  ::closedir(d);
  return out;
}

// berth-ipam keeps <dataDir>/<network>/ with a lock file, last_reserved_ip.<n> and an
// attachments/ index next to the leases. Once GC released every lease only those remain
// (the index empty); anything else stays put.
// The conflist's ipam.dataDir says where; berth-ipam's default otherwise. Everything is
// done relative to descriptors opened without following symlinks: a symlink planted as
// <dataDir>/<network> (or as one of its entries) is refused, never followed, so nothing
// outside the lease directory is ever deleted.
Result<> remove_ipam_dir(const StoredNetwork& net) {
  std::string data_dir = "/var/lib/cni/networks";
  for (const auto& entry : net.list.plugins)
    if (auto ipam = entry.find("ipam"); ipam != entry.end() && ipam->is_object())
      if (auto d = ipam->find("dataDir");
          d != ipam->end() && d->is_string() && !d->get<std::string>().empty())
        data_dir = *d;
  BERTH_TRY(cni::validate_dir_path(data_dir, "ipam.dataDir"));
  BERTH_TRY(cni::validate_network_name(net.info.name));
  const std::string shown = data_dir + "/" + net.info.name;
  UniqueFd base(::open(data_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!base.valid()) {
    if (errno == ENOENT) return {};
    return fail_errno(Code::kIo, "open `" + data_dir + "`", errno);
  }
  struct stat st {};
  if (::fstatat(base.get(), net.info.name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
    return errno == ENOENT ? Result<>{} : fail_errno(Code::kIo, "stat `" + shown + "`", errno);
  if (!S_ISDIR(st.st_mode))
    return fail(Code::kIo, "`" + shown + "` is not a directory (a symlink?); left in place");
  UniqueFd dir(::openat(base.get(), net.info.name.c_str(),
                        O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!dir.valid()) return fail_errno(Code::kIo, "open `" + shown + "`", errno);
  std::vector<std::string> files;
  bool index = false;
  for (const auto& name : BERTH_TRY(entries(dir.get(), shown))) {
    if (::fstatat(dir.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
      return fail_errno(Code::kIo, "stat `" + shown + "/" + name + "`", errno);
    if (name == "attachments" && S_ISDIR(st.st_mode)) {  // berth-ipam's per-attachment index
      UniqueFd sub(::openat(dir.get(), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!sub.valid()) return fail_errno(Code::kIo, "open `" + shown + "/" + name + "`", errno);
      if (!BERTH_TRY(entries(sub.get(), shown + "/" + name)).empty()) return {};  // a lease is left
      index = true;
      continue;
    }
    bool bookkeeping = name == "lock" || name.rfind("last_reserved_ip.", 0) == 0;
    if (!bookkeeping || !S_ISREG(st.st_mode)) return {};  // a lease (or a stranger) is left
    files.push_back(name);
  }
  for (const auto& name : files)
    if (::unlinkat(dir.get(), name.c_str(), 0) != 0 && errno != ENOENT)
      return fail_errno(Code::kIo, "remove `" + shown + "/" + name + "`", errno);
  if (index && ::unlinkat(dir.get(), "attachments", AT_REMOVEDIR) != 0 && errno != ENOENT)
    return fail_errno(Code::kIo, "remove `" + shown + "/attachments`", errno);
  if (::unlinkat(base.get(), net.info.name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT)
    return fail_errno(Code::kIo, "remove `" + shown + "`", errno);
  return {};
}

}  // namespace

Result<> teardown_network(const Paths& paths, const StoredNetwork& net) {
  std::vector<Error> errors;
  Engine engine(paths.plugin_dirs, paths.cache_dir);
  if (auto r = engine.gc(net.list, nlohmann::json::array()); !r) errors.push_back(r.error());
  if (auto r = delete_bridge(net.info.bridge); !r)
    errors.push_back(r.error().wrap("delete bridge `" + net.info.bridge + "`"));
  if (auto r = remove_ipam_dir(net); !r) errors.push_back(r.error());
  return berth::join_errors(errors, "clean up network `" + net.info.name + "`");
}

}  // namespace berth::runtime::net
