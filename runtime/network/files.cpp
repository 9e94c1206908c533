#include "runtime/network/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <random>

#include "core/fd.h"

namespace berth::runtime::net {

Result<std::optional<std::string>> read_file(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno == ENOENT) return std::optional<std::string>();
    return fail_errno(Code::kIo, "open `" + path + "`", errno);
  }
  std::string out;
  char buf[8192];
  while (true) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail_errno(Code::kIo, "read `" + path + "`", errno);
    if (n == 0) break;
    out.append(buf, size_t(n));
  }
  return std::optional<std::string>(std::move(out));
}

Result<> write_file_atomic(const std::string& path, const std::string& data, mode_t mode,
                           bool durable) {
  // A random suffix: concurrent writers of the same path never share a temp file.
  std::string tmp = path + ".tmp-" + std::to_string(std::random_device{}());
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode));
  if (!fd.valid()) return fail_errno(Code::kIo, "create `" + tmp + "`", errno);
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd.get(), data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::unlink(tmp.c_str());
      return fail_errno(Code::kIo, "write `" + tmp + "`", err);
    }
    off += size_t(n);
  }
  // open() applied the umask; fchmod makes the mode exactly `mode`.
  if (::fchmod(fd.get(), mode) != 0 || (durable && ::fsync(fd.get()) != 0) ||
      ::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return fail_errno(Code::kIo, "write `" + path + "`", err);
  }
  return {};
}

Result<> make_dirs(const std::string& dir, mode_t mode) {
  for (size_t pos = 1; pos <= dir.size(); ++pos) {
    if (pos != dir.size() && dir[pos] != '/') continue;
    std::string part = dir.substr(0, pos);
    if (::mkdir(part.c_str(), mode) == 0) {
      // mkdir applied the umask; a directory just made is ours to set exactly.
      if (::chmod(part.c_str(), mode) != 0)
        return fail_errno(Code::kIo, "set the mode of `" + part + "`", errno);
    } else if (errno != EEXIST) {
      return fail_errno(Code::kIo, "create directory `" + part + "`", errno);
    }
  }
  return {};
}

Result<> remove_file(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT)
    return fail_errno(Code::kIo, "remove `" + path + "`", errno);
  return {};
}

}  // namespace berth::runtime::net
