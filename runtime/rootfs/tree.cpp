#include "runtime/rootfs/tree.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <functional>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "core/fd.h"

namespace berth::runtime {
namespace {

// Entries of the directory open at `fd` (without . and ..); the fd stays usable.
std::vector<std::string> entries(int fd) {
  std::vector<std::string> out;
  int dup = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (dup < 0) return out;
  DIR* d = ::fdopendir(dup);
  if (!d) {
    ::close(dup);
    return out;
  }
  while (dirent* e = ::readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") out.push_back(std::move(n));
  }
  ::closedir(d);
  return out;
}

Result<> remove_at(int dirfd, const std::string& name, dev_t dev, const std::string& shown) {
  struct stat st {};
  if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
    return errno == ENOENT ? Result<>{} : fail_errno(Code::kIo, "stat `" + shown + "`", errno);
  if (S_ISDIR(st.st_mode)) {
    if (st.st_dev != dev)
      return fail(Code::kIo, "refusing to remove `" + shown + "`: it is a mount point");
    UniqueFd fd(::openat(dirfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd.valid()) return fail_errno(Code::kIo, "open `" + shown + "`", errno);
    for (const auto& e : entries(fd.get())) BERTH_TRY(remove_at(fd.get(), e, dev, shown + "/" + e));
    if (::unlinkat(dirfd, name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT)
      return fail_errno(Code::kIo, "remove `" + shown + "`", errno);
    return {};
  }
  if (::unlinkat(dirfd, name.c_str(), 0) != 0 && errno != ENOENT)
    return fail_errno(Code::kIo, "remove `" + shown + "`", errno);
  return {};
}

struct Copier {
  std::map<std::pair<dev_t, ino_t>, std::string> seen;  // hard-linked inode -> first copy
  std::string dst_root;

  static Result<> copy_file(int sfd, int dfd, const std::string& name) {
    UniqueFd in(::openat(sfd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!in.valid()) return fail_errno(Code::kIo, "open `" + name + "`", errno);
    UniqueFd out(
        ::openat(dfd, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!out.valid()) return fail_errno(Code::kIo, "create `" + name + "`", errno);
    char buf[65536];
    for (;;) {
      ssize_t n = ::read(in.get(), buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return fail_errno(Code::kIo, "read `" + name + "`", errno);
      if (n == 0) break;
      for (ssize_t off = 0; off < n;) {
        ssize_t w = ::write(out.get(), buf + off, size_t(n - off));
        if (w < 0) return fail_errno(Code::kIo, "write `" + name + "`", errno);
        off += w;
      }
    }
    return {};
  }

  Result<> copy(int sfd, int dfd, const std::string& name, dev_t dev, const std::string& rel) {
    struct stat st {};
    if (::fstatat(sfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
      return fail_errno(Code::kIo, "stat `" + rel + "`", errno);
    if (S_ISDIR(st.st_mode)) {
      if (st.st_dev != dev) return {};  // another filesystem mounted inside: not part of the image
      if (::mkdirat(dfd, name.c_str(), 0700) != 0)
        return fail_errno(Code::kIo, "create `" + rel + "`", errno);
      UniqueFd s(::openat(sfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      UniqueFd d(::openat(dfd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!s.valid() || !d.valid()) return fail_errno(Code::kIo, "open `" + rel + "`", errno);
      for (const auto& e : entries(s.get()))
        BERTH_TRY(copy(s.get(), d.get(), e, dev, rel + "/" + e));
    } else if (st.st_nlink > 1 && !S_ISLNK(st.st_mode) && seen.count({st.st_dev, st.st_ino})) {
      std::string first = dst_root + "/" + seen[{st.st_dev, st.st_ino}];
      if (::linkat(AT_FDCWD, first.c_str(), dfd, name.c_str(), 0) != 0)
        return fail_errno(Code::kIo, "link `" + rel + "`", errno);
      return {};
    } else if (S_ISREG(st.st_mode)) {
      BERTH_TRY(copy_file(sfd, dfd, name));
    } else if (S_ISLNK(st.st_mode)) {
      std::string target(size_t(st.st_size) + 1, '\0');
      ssize_t n = ::readlinkat(sfd, name.c_str(), target.data(), target.size());
      if (n < 0) return fail_errno(Code::kIo, "read link `" + rel + "`", errno);
      target.resize(size_t(n));
      if (::symlinkat(target.c_str(), dfd, name.c_str()) != 0)
        return fail_errno(Code::kIo, "create link `" + rel + "`", errno);
    } else if (::mknodat(dfd, name.c_str(), st.st_mode, st.st_rdev) != 0) {
      return fail_errno(Code::kIo, "create node `" + rel + "`", errno);
    }
    if (st.st_nlink > 1 && !S_ISDIR(st.st_mode)) seen[{st.st_dev, st.st_ino}] = rel;
    ::fchownat(dfd, name.c_str(), st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW);
    if (!S_ISLNK(st.st_mode)) ::fchmodat(dfd, name.c_str(), st.st_mode & 07777, 0);
    timespec times[2] = {st.st_atim, st.st_mtim};
    ::utimensat(dfd, name.c_str(), times, AT_SYMLINK_NOFOLLOW);
    return {};
  }
};

}  // namespace

Result<> remove_tree(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0)
    return errno == ENOENT ? Result<>{} : fail_errno(Code::kIo, "stat `" + path + "`", errno);
  auto slash = path.rfind('/');
  std::string parent = slash == 0 ? "/" : path.substr(0, slash);
  UniqueFd pfd(::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!pfd.valid()) return fail_errno(Code::kIo, "open `" + parent + "`", errno);
  return remove_at(pfd.get(), path.substr(slash + 1), st.st_dev, path);
}

Result<> copy_tree(const std::string& src, const std::string& dst) {
  struct stat st {};
  if (::stat(src.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    return fail(Code::kInvalidConfig, "`" + src + "` is not a directory");
  UniqueFd s(::open(src.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (::mkdir(dst.c_str(), 0755) != 0) return fail_errno(Code::kIo, "create `" + dst + "`", errno);
  UniqueFd d(::open(dst.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!s.valid() || !d.valid()) return fail_errno(Code::kIo, "open `" + src + "`", errno);
  Copier c;
  c.dst_root = dst;
  for (const auto& e : entries(s.get())) BERTH_TRY(c.copy(s.get(), d.get(), e, st.st_dev, e));
  ::fchmod(d.get(), st.st_mode & 07777);
  return {};
}

Result<> remove_tree_at(int dirfd, const std::string& name, const std::string& shown) {
  struct stat st {};
  if (::fstatat(dirfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0)
    return errno == ENOENT ? Result<>{} : fail_errno(Code::kIo, "stat `" + shown + "`", errno);
  return remove_at(dirfd, name, st.st_dev, shown);
}

uint64_t tree_size(const std::string& path) {
  UniqueFd root(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  return root.valid() ? tree_size_at(root.get()) : 0;
}

uint64_t tree_size_at(int dirfd) {
  uint64_t total = 0;
  std::set<std::pair<dev_t, ino_t>> seen;
  std::function<void(int)> walk = [&](int fd) {
    for (const auto& e : entries(fd)) {
      struct stat st {};
      if (::fstatat(fd, e.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
      if (S_ISDIR(st.st_mode)) {
        UniqueFd sub(::openat(fd, e.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (sub.valid()) walk(sub.get());
      } else if (S_ISREG(st.st_mode) && seen.insert({st.st_dev, st.st_ino}).second) {
        total += uint64_t(st.st_size);
      }
    }
  };
  walk(dirfd);
  return total;
}

}  // namespace berth::runtime
