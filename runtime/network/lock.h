// An flock()ed lock file: exclusive around network create/remove/ensure_default so two
// `berth network create` never pick the same subnet; shared around attach so a network
// cannot be removed while a container is joining it.
#pragma once

#include <string>

#include "core/error.h"
#include "core/fd.h"

namespace berth::runtime::net {

class FileLock {
 public:
  enum class Mode { kShared, kExclusive };
  // Creates `path` (and its directory) when missing and blocks until the lock is held.
  // Code 5 when the file cannot be opened or locked.
  [[nodiscard]] static Result<FileLock> acquire(const std::string& path, Mode mode);
  // Released when the object (its fd) goes away.

 private:
  UniqueFd fd_;
};

}  // namespace berth::runtime::net
