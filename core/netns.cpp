#include "core/netns.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/statfs.h>
#include <linux/nsfs.h>

#include <optional>

namespace berth {
namespace {

// NS_GET_NSTYPE: the CLONE_NEW* type of a namespace fd; -1 when the kernel cannot tell.
int ioctl_ns_type(int fd) { return ioctl(fd, NS_GET_NSTYPE); }

}  // namespace

Result<NetNs> NetNs::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return fail(Code::kUnknownContainer, "netns `" + path + "` does not exist");
    return fail_errno(Code::kNetns, "open netns `" + path + "`", errno);
  }
  NetNs ns;
  ns.fd_.reset(fd);
  ns.path_ = path;
  struct statfs sfs;
  struct stat st;
  if (fstatfs(fd, &sfs) != 0 || fstat(fd, &st) != 0)
    return fail_errno(Code::kNetns, "stat netns `" + path + "`", errno);
  // A bind mount of a namespace is on nsfs; /proc/<pid>/ns/net opened directly is too.
  if (sfs.f_type != NSFS_MAGIC && sfs.f_type != PROC_SUPER_MAGIC)
    return fail(Code::kNetns, "invalid netns", "`" + path + "` is not a network namespace");
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
