#include "runtime/container/netns_file.h"

#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "core/fd.h"

namespace berth::runtime {
namespace {

Result<> loopback_up() {
  UniqueFd s(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!s.valid()) return fail_errno(Code::kNetns, "socket", errno);
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
  if (::ioctl(s.get(), SIOCGIFFLAGS, &ifr) != 0)
    return fail_errno(Code::kNetns, "read flags of lo", errno);
  ifr.ifr_flags = short(ifr.ifr_flags | IFF_UP);
  if (::ioctl(s.get(), SIOCSIFFLAGS, &ifr) != 0)
    return fail_errno(Code::kNetns, "set lo up", errno);
  return {};
}

}  // namespace

Result<> create_netns_file(const std::string& path) {
  UniqueFd f(::open(path.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444));
  if (!f.valid()) return fail_errno(Code::kNetns, "create `" + path + "`", errno);
  f.reset();
  // unshare on a throw-away thread: the calling thread never leaves the host namespace.
  Result<> r;
  std::thread t([&] {
    if (::unshare(CLONE_NEWNET) != 0) {
      r = fail_errno(Code::kNetns, "create a network namespace", errno);
      return;
    }
    if (auto up = loopback_up(); !up) {
      r = up;
      return;
    }
    if (::mount("/proc/thread-self/ns/net", path.c_str(), nullptr, MS_BIND, nullptr) != 0)
      r = fail_errno(Code::kNetns, "bind-mount the network namespace on `" + path + "`", errno);
  });
  t.join();
  if (!r) ::unlink(path.c_str());
  return r;
}

Result<> remove_netns_file(const std::string& path) {
  if (path.empty()) return {};
  if (::umount2(path.c_str(), MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT)
    return fail_errno(Code::kNetns, "unmount `" + path + "`", errno);
  if (::unlink(path.c_str()) != 0 && errno != ENOENT)
    return fail_errno(Code::kNetns, "remove `" + path + "`", errno);
  return {};
}

}  // namespace berth::runtime
