// FileLock: an exclusive flock(2) on a lock file, shared by every berth process on the
// host. nftables batches are atomic, but "look at the table, then add what is missing" is
// two steps; holding this lock across both keeps concurrent plugins from each creating
// the same rules.
#pragma once

#include <string>
#include <utility>

#include "core/error.h"
#include "core/fd.h"

namespace berth::nft {

class FileLock {
 public:
  // Opens (creating) `path`, mode 0600, and its parent directory, mode 0700. No lock yet.
  [[nodiscard]] static Result<FileLock> open(std::string path);

  // Held while alive; released on destruction (or when the process dies). Must not
  // outlive the FileLock it came from.
  class Guard {
   public:
    Guard(Guard&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
    Guard& operator=(Guard&&) = delete;
    Guard(const Guard&) = delete;
    ~Guard();

   private:
    friend class FileLock;
    explicit Guard(int fd) : fd_(fd) {}
    int fd_;  // borrowed from the FileLock; -1 after a move
  };

  // Blocks until the lock is ours. flock locks belong to the open file, so two FileLocks
  // (even in one process) exclude each other, but one FileLock is not a thread mutex.
  [[nodiscard]] Result<Guard> lock();

  [[nodiscard]] const std::string& path() const { return path_; }

 private:
  FileLock(std::string path, UniqueFd fd) : path_(std::move(path)), fd_(std::move(fd)) {}
  std::string path_;
  UniqueFd fd_;
};

}  // namespace berth::nft
