#include "runtime/rootfs/in_root.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

namespace berth::runtime {
namespace {

std::string rel(std::string_view path) {
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  return path.empty() ? std::string(".") : std::string(path);
}

}  // namespace

Result<UniqueFd> open_in_root(int rootfd, std::string_view path, int flags, mode_t mode) {
  open_how how{};
  how.flags = uint64_t(flags | O_CLOEXEC);
  how.mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  std::string r = rel(path);
  for (;;) {
    int fd = int(::syscall(SYS_openat2, rootfd, r.c_str(), &how, sizeof how));
    if (fd >= 0) return UniqueFd(fd);
    // EAGAIN: a concurrent rename raced the lookup; the kernel asks to retry.
    if (errno == EAGAIN || errno == EINTR) continue;
    return fail_errno(Code::kIo, "open `" + std::string(path) + "` in the rootfs", errno);
  }
}

Result<UniqueFd> mkdir_all_in_root(int rootfd, std::string_view path, mode_t mode) {
  std::string r = rel(path);
  auto cur = open_in_root(rootfd, "/", O_PATH | O_DIRECTORY);
  if (!cur) return cur;
  if (r == ".") return cur;
  size_t start = 0;
  for (;;) {
    size_t slash = r.find('/', start);
    std::string prefix = r.substr(0, slash);
    std::string name = r.substr(start, slash == std::string::npos ? slash : slash - start);
    if (name == "..")
      return fail(Code::kInvalidConfig, "path `" + std::string(path) + "` contains ..");
    if (!name.empty() && name != ".") {
      auto next = open_in_root(rootfd, prefix, O_PATH | O_DIRECTORY);
      if (!next) {
        if (::mkdirat(cur->get(), name.c_str(), mode) != 0 && errno != EEXIST)
          return fail_errno(Code::kIo, "create directory `" + prefix + "` in the rootfs", errno);
        next = open_in_root(rootfd, prefix, O_PATH | O_DIRECTORY);
        if (!next) return next;
      }
      cur = std::move(next);
    }
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return cur;
}

Result<std::pair<UniqueFd, std::string>> open_parent_in_root(int rootfd, std::string_view path) {
  std::string r = rel(path);
  auto slash = r.rfind('/');
  std::string base = slash == std::string::npos ? r : r.substr(slash + 1);
  if (base == "." || base == ".." || base.empty())
    return fail(Code::kInvalidConfig, "path `" + std::string(path) + "` names no file");
  std::string parent = slash == std::string::npos ? "/" : r.substr(0, slash);
  auto dir = BERTH_TRY(mkdir_all_in_root(rootfd, parent));
  return std::pair{std::move(dir), base};
}

Result<UniqueFd> ensure_in_root(int rootfd, std::string_view path, bool dir) {
  if (dir) return mkdir_all_in_root(rootfd, path);
  auto existing = open_in_root(rootfd, path, O_PATH);
  if (existing) return existing;
  auto [parent, base] = BERTH_TRY(open_parent_in_root(rootfd, path));
  constexpr int kFlags = O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW;
  UniqueFd f(::openat(parent.get(), base.c_str(), kFlags, 0644));
  if (!f.valid() && errno == ELOOP) {
    // A dangling symlink (a typical /etc/resolv.conf): replace it by a plain file.
    ::unlinkat(parent.get(), base.c_str(), 0);
    f.reset(::openat(parent.get(), base.c_str(), kFlags, 0644));
  }
  if (!f.valid() && errno != EEXIST)
    return fail_errno(Code::kIo, "create `" + std::string(path) + "` in the rootfs", errno);
  return open_in_root(rootfd, path, O_PATH);
}

std::string fd_path(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

}  // namespace berth::runtime
