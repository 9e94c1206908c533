#include "runtime/container/netns_file.h"

#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>
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

// A thread cannot join a user namespace (the process must be single-threaded): a child
// does, makes the network namespace there, and waits while we bind-mount it.
Result<> netns_in_userns(const std::string& path, int userns_fd) {
  int ready[2], done[2];
  if (::pipe2(ready, O_CLOEXEC) != 0 || ::pipe2(done, O_CLOEXEC) != 0)
    return fail_errno(Code::kNetns, "pipe", errno);
  UniqueFd ready_r(ready[0]), ready_w(ready[1]), done_r(done[0]), done_w(done[1]);
  pid_t pid = ::fork();
  if (pid < 0) return fail_errno(Code::kNetns, "fork", errno);
  if (pid == 0) {
    done_w.reset();
    char b = 1;
    if (::setns(userns_fd, CLONE_NEWUSER) != 0 || ::unshare(CLONE_NEWNET) != 0 || !loopback_up())
      _exit(1);
    if (::write(ready_w.get(), &b, 1) != 1) _exit(1);
    (void)::read(done_r.get(), &b, 1);
    _exit(0);
  }
  ready_w.reset();
  done_r.reset();
  char b = 0;
  Result<> r;
  if (::read(ready_r.get(), &b, 1) != 1) {
    r = fail(Code::kNetns, "create a network namespace in the user namespace");
  } else {
    std::string ns = "/proc/" + std::to_string(pid) + "/ns/net";
    if (::mount(ns.c_str(), path.c_str(), nullptr, MS_BIND, nullptr) != 0)
      r = fail_errno(Code::kNetns, "bind-mount the network namespace on `" + path + "`", errno);
  }
  done_w.reset();
  while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
  return r;
}

}  // namespace

Result<> create_netns_file(const std::string& path, int userns_fd) {
  UniqueFd f(::open(path.c_str(), O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444));
  if (!f.valid()) return fail_errno(Code::kNetns, "create `" + path + "`", errno);
  f.reset();
  if (userns_fd >= 0) {
    auto r = netns_in_userns(path, userns_fd);
    if (!r) ::unlink(path.c_str());
    return r;
  }
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
