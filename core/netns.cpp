#include "core/netns.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/statfs.h>
#include <linux/nsfs.h>

#include <optional>
#include <string>

namespace berth {
namespace {

// NS_GET_NSTYPE: the CLONE_NEW* type of a namespace fd; -1 when the kernel cannot tell.
int ioctl_ns_type(int fd) { return ioctl(fd, NS_GET_NSTYPE); }

}  // namespace

Result<NetNs> NetNs::open(const std::string& path) {
  // The path is resolved exactly once, by an O_PATH open: that opens nothing (a FIFO
  // cannot block it, a device's open() never runs), so the file is checked first and
  // opened for real only once it is known to be a namespace, through the descriptor
  // (/proc/self/fd/N), never through `path` again: what was checked is what is used.
  UniqueFd probe(::open(path.c_str(), O_PATH | O_CLOEXEC));
  if (!probe.valid()) {
    if (errno == ENOENT) return fail(Code::kUnknownContainer, "netns `" + path + "` does not exist");
    return fail_errno(Code::kNetns, "open netns `" + path + "`", errno);
  }
  struct statfs sfs;
  if (fstatfs(probe.get(), &sfs) != 0) return fail_errno(Code::kNetns, "stat netns `" + path + "`", errno);
  // A bind mount of a namespace and /proc/<pid>/ns/net (followed) are both on nsfs.
  if (sfs.f_type != NSFS_MAGIC)
    return fail(Code::kNetns, "invalid netns", "`" + path + "` is not a network namespace");
  const std::string self = "/proc/self/fd/" + std::to_string(probe.get());
  int fd = ::open(self.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail_errno(Code::kNetns, "open netns `" + path + "`", errno);
  NetNs ns;
  ns.fd_.reset(fd);
  ns.path_ = path;
  struct stat st;
  if (fstat(fd, &st) != 0) return fail_errno(Code::kNetns, "stat netns `" + path + "`", errno);
  int type = ioctl_ns_type(fd);
  if (type >= 0 && type != CLONE_NEWNET)
    return fail(Code::kNetns, "invalid netns", "`" + path + "` is not a network namespace");
  ns.dev_ = st.st_dev;
  ns.ino_ = st.st_ino;
  return ns;
}

Result<NetNs> NetNs::current() { return open("/proc/thread-self/ns/net"); }

int NetNs::enter() const { return setns(fd_.get(), CLONE_NEWNET); }

}  // namespace berth
