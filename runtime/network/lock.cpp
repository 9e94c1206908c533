#include "runtime/network/lock.h"

#include <fcntl.h>
#include <sys/file.h>

#include <cerrno>

#include "runtime/network/files.h"

namespace berth::runtime::net {

Result<FileLock> FileLock::acquire(const std::string& path, Mode mode) {
  if (auto slash = path.rfind('/'); slash != std::string::npos && slash > 0)
    BERTH_TRY(make_dirs(path.substr(0, slash), 0700));  // runtime state: root's only
  FileLock lock;
  lock.fd_.reset(::open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!lock.fd_.valid()) return fail_errno(Code::kIo, "open lock `" + path + "`", errno);
  int op = mode == Mode::kShared ? LOCK_SH : LOCK_EX;
  while (::flock(lock.fd_.get(), op) != 0)
    if (errno != EINTR) return fail_errno(Code::kIo, "lock `" + path + "`", errno);
  return lock;
}

}  // namespace berth::runtime::net
