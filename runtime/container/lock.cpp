#include "runtime/container/lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <time.h>

#include <cerrno>

namespace berth::runtime {

Result<FileLock> FileLock::acquire(const std::string& path, int timeout_ms) {
  return acquire_at(AT_FDCWD, path, path, timeout_ms);
}

Result<FileLock> FileLock::acquire_at(int dirfd, const std::string& name, const std::string& path,
                                      int timeout_ms) {
  UniqueFd fd(::openat(dirfd, name.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd.valid()) return fail_errno(Code::kIo, "open lock `" + path + "`", errno);
  // Polling with LOCK_NB keeps the wait bounded: a wedged holder becomes an error, not a hang.
  for (int waited = 0;; waited += 5) {
    if (::flock(fd.get(), LOCK_EX | LOCK_NB) == 0) return FileLock(std::move(fd));
    if (errno != EWOULDBLOCK && errno != EINTR)
      return fail_errno(Code::kIo, "lock `" + path + "`", errno);
    if (waited >= timeout_ms)
      return fail(Code::kTryAgainLater, "lock `" + path + "` is held by another berth",
                  "gave up after " + std::to_string(timeout_ms / 1000) + " s");
    timespec ts{0, 5'000'000};
    nanosleep(&ts, nullptr);
  }
}

}  // namespace berth::runtime
