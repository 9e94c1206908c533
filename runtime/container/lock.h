// FileLock: an exclusive flock(2) on a lock file, released when the object dies (or when
// every process sharing the open file description has closed it: a forked monitor keeps
// the lock of the `start` that forked it until it lets go).
#pragma once

#include <string>

#include "core/error.h"
#include "core/fd.h"

namespace berth::runtime {

class FileLock {
 public:
  FileLock() = default;
  // Creates `path` if needed and waits up to `timeout_ms` for the lock; code 11 (try again
  // later) when another berth holds it longer than that.
  // The file itself is never a followed symlink (O_NOFOLLOW).
  [[nodiscard]] static Result<FileLock> acquire(const std::string& path, int timeout_ms = 30000);
  // The same for the entry `name` of the directory open at `dirfd` (`shown` names it in
  // errors): nothing on the way is looked up by path again.
  [[nodiscard]] static Result<FileLock> acquire_at(int dirfd, const std::string& name,
                                                   const std::string& shown,
                                                   int timeout_ms = 30000);
  [[nodiscard]] int fd() const { return fd_.get(); }
  [[nodiscard]] bool held() const { return fd_.valid(); }
  // Drops this process's reference without unlocking (a forked child keeps holding it).
  void forget() { fd_.reset(); }

 private:
  explicit FileLock(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;  // invalid: no lock held
};

}  // namespace berth::runtime
