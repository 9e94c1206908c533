#include "core/ipam/dir.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "core/failpoint.h"

namespace berth::ipam {
namespace {

constexpr size_t kMaxRead = 1 << 20;  // store files are tiny; refuse to slurp anything huge

std::string quoted(const std::string& path) { return "`" + path + "`"; }

Result<> write_all(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail_errno(Code::kStore, "write " + quoted(path), errno);
    data.remove_prefix(size_t(n));
  }
  return {};
}

}  // namespace

Result<Dir> Dir::open(const std::string& path, bool create) {
  if (create) {
    // mkdir -p: each missing component, parents first. EEXIST covers races with
    // other plugin processes doing the same.
    for (size_t pos = path.find('/', 1);; pos = path.find('/', pos + 1)) {
      std::string part = path.substr(0, pos);
      if (!part.empty() && ::mkdir(part.c_str(), 0700) != 0 && errno != EEXIST)
        return fail_errno(Code::kStore, "create directory " + quoted(part), errno);
      if (pos == std::string::npos) break;
    }
  }
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 && errno == ENOENT && !create) return Dir();
  if (fd < 0) return fail_errno(Code::kStore, "open directory " + quoted(path), errno);
  return Dir(UniqueFd(fd), path);
}

Result<Dir> Dir::sub(const std::string& name, bool create) const {
  if (create && ::mkdirat(fd(), name.c_str(), 0700) != 0 && errno != EEXIST)
    return fail_errno(Code::kStore, "create directory " + quoted(at(name)), errno);
  int sfd = ::openat(fd(), name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (sfd < 0 && errno == ENOENT && !create) return Dir();
  if (sfd < 0) return fail_errno(Code::kStore, "open directory " + quoted(at(name)), errno);
  return Dir(UniqueFd(sfd), at(name));
}

Result<bool> Dir::exists(const std::string& name) const {
  struct stat st {};
  if (::fstatat(fd(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) return true;
  if (errno == ENOENT) return false;
  return fail_errno(Code::kStore, "stat " + quoted(at(name)), errno);
}

Result<std::optional<std::string>> Dir::read(const std::string& name) const {
  UniqueFd f(::openat(fd(), name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!f.valid() && errno == ENOENT) return std::optional<std::string>();
  if (!f.valid()) return fail_errno(Code::kStore, "open " + quoted(at(name)), errno);
  std::string data;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(f.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail_errno(Code::kStore, "read " + quoted(at(name)), errno);
    if (n == 0) break;
    data.append(buf, size_t(n));
    if (data.size() > kMaxRead)
      return fail(Code::kStore, "read " + quoted(at(name)), "file is larger than 1 MiB");
  }
  return std::optional<std::string>(std::move(data));
}

Result<bool> Dir::create_exclusive(const std::string& name, std::string_view data) const {
  UniqueFd f(::openat(fd(), name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                      0600));
  if (!f.valid() && errno == EEXIST) return false;
  if (!f.valid()) return fail_errno(Code::kStore, "create " + quoted(at(name)), errno);
  if (auto ok = write_all(f.get(), data, at(name)); !ok) {
    ::unlinkat(fd(), name.c_str(), 0);
    return std::unexpected(ok.error());
  }
  return true;
}

Result<bool> Dir::claim(const std::string& name, std::string_view data) const {
  UniqueFd f(::openat(fd(), ".", O_WRONLY | O_TMPFILE | O_CLOEXEC, 0600));
  if (!f.valid() && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL))
    return create_exclusive(name, data);
  if (!f.valid()) return fail_errno(Code::kStore, "create a file in " + quoted(path_), errno);
  BERTH_TRY(write_all(f.get(), data, at(name)));
  // AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH; the /proc/self/fd path does not.
  if (::linkat(f.get(), "", fd(), name.c_str(), AT_EMPTY_PATH) == 0) return true;
  if (errno == EEXIST) return false;
  const std::string self = "/proc/self/fd/" + std::to_string(f.get());
  if (::linkat(AT_FDCWD, self.c_str(), fd(), name.c_str(), AT_SYMLINK_FOLLOW) == 0) return true;
  if (errno == EEXIST) return false;
  return fail_errno(Code::kStore, "create " + quoted(at(name)), errno);
}

Result<> Dir::write_atomic(const std::string& name, std::string_view data) const {
  // Writers hold the store lock, so one fixed temporary name per target is enough; a
  // leftover from a crashed writer is simply truncated. The leading dot keeps it out of
  // lease scans.
  std::string tmp = temp_name(name);
  {
    UniqueFd f(::openat(fd(), tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
                        0600));
    if (!f.valid()) return fail_errno(Code::kStore, "create " + quoted(at(tmp)), errno);
    if (auto ok = write_all(f.get(), data, at(tmp)); !ok) {
      ::unlinkat(fd(), tmp.c_str(), 0);
      return std::unexpected(ok.error());
    }
  }
  failpoint("store.write_atomic.temp_written");
  // No fsync: leases describe running containers, which a crash or power loss ends
  // anyway, and an fsync costs more than a whole ADD; after a reboot the runtime's GC
  // reconciles (and GC drops lease files a power loss left empty). Rename alone keeps
  // files from ever being torn by a crashed process.
  if (::renameat(fd(), tmp.c_str(), fd(), name.c_str()) != 0) {
    int err = errno;
    ::unlinkat(fd(), tmp.c_str(), 0);
    return fail_errno(Code::kStore, "rename " + quoted(at(tmp)), err);
  }
  return {};
}

Result<> Dir::overwrite(const std::string& name, std::string_view data) const {
  UniqueFd f(::openat(fd(), name.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
                      0600));
  if (!f.valid()) return fail_errno(Code::kStore, "create " + quoted(at(name)), errno);
  return write_all(f.get(), data, at(name));
}

Result<bool> Dir::remove(const std::string& name) const {
  if (::unlinkat(fd(), name.c_str(), 0) == 0) return true;
  if (errno == ENOENT) return false;
  return fail_errno(Code::kStore, "remove " + quoted(at(name)), errno);
}

Result<> Dir::remove_tree(const std::string& name) const {
  auto d = BERTH_TRY(sub(name, false));
  if (!d.valid()) return {};
  for (const auto& entry : BERTH_TRY(d.list())) BERTH_TRY(d.remove(entry));
  if (::unlinkat(fd(), name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT)
    return fail_errno(Code::kStore, "remove directory " + quoted(at(name)), errno);
  return {};
}

Result<> Dir::rename(const std::string& from, const std::string& to) const {
  if (::renameat(fd(), from.c_str(), fd(), to.c_str()) != 0)
    return fail_errno(Code::kStore, "rename " + quoted(at(from)) + " to " + quoted(at(to)), errno);
  return {};
}

Result<std::vector<std::string>> Dir::list() const {
  // fdopendir takes ownership of its fd, so give it a duplicate of ours.
  int dup = ::openat(fd(), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dup < 0) return fail_errno(Code::kStore, "open directory " + quoted(path_), errno);
  DIR* d = ::fdopendir(dup);
  if (!d) {
    int err = errno;
    ::close(dup);
    return fail_errno(Code::kStore, "list " + quoted(path_), err);
  }
  std::vector<std::string> names;
  int err = 0;
  for (;;) {
    errno = 0;  // readdir signals an error only through errno
    const dirent* e = ::readdir(d);
    if (!e) {
      err = errno;
      break;
    }
    std::string n = e->d_name;
    if (n != "." && n != "..") names.push_back(std::move(n));
  }
  ::closedir(d);
  if (err != 0) return fail_errno(Code::kStore, "list " + quoted(path_), err);
  return names;
}

}  // namespace berth::ipam
