#include "core/nft/lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <cerrno>

namespace berth::nft {
namespace {

// mkdir -p for the directories above `path`, 0700: /run/berth holds berth's locks and
// plugin state, which only root's berth processes use.
int make_parents(const std::string& path) {
  for (size_t pos = path.find('/', 1); pos != std::string::npos; pos = path.find('/', pos + 1)) {
    std::string dir = path.substr(0, pos);
    if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return -1;
  }
  return 0;
}

}  // namespace

Result<FileLock> FileLock::open(std::string path) {
  if (path.empty()) return fail(Code::kInternal, "nftables lock: empty path");
  if (make_parents(path) != 0)
    return fail_errno(Code::kIo, "create directory for lock `" + path + "`", errno);
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return fail_errno(Code::kIo, "open lock `" + path + "`", errno);
  return FileLock(std::move(path), UniqueFd(fd));
}

Result<FileLock::Guard> FileLock::lock() {
  while (flock(fd_.get(), LOCK_EX) != 0) {
    if (errno != EINTR) return fail_errno(Code::kIo, "lock `" + path_ + "`", errno);
  }
  return Guard(fd_.get());
}

FileLock::Guard::~Guard() {
  if (fd_ >= 0) (void)flock(fd_, LOCK_UN);
}

}  // namespace berth::nft
