#include "bench/sandbox.h"

#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <thread>

namespace berth::bench {
namespace {

std::string sys_error(const std::string& what) { return what + ": " + std::strerror(errno); }

// SIOCSIFFLAGS on lo of the calling thread's network namespace.
std::string set_lo_up() {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return sys_error("socket");
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
  std::string error;
  if (ioctl(fd, SIOCGIFFLAGS, &ifr) != 0) {
    error = sys_error("SIOCGIFFLAGS lo");
  } else {
    ifr.ifr_flags = short(ifr.ifr_flags | IFF_UP);
    if (ioctl(fd, SIOCSIFFLAGS, &ifr) != 0) error = sys_error("SIOCSIFFLAGS lo");
  }
  close(fd);
  return error;
}

}  // namespace

std::string become_throwaway_host() {
  if (unshare(CLONE_NEWNET | CLONE_NEWNS) != 0) return sys_error("unshare(CLONE_NEWNET|CLONE_NEWNS)");
  // From here on no mount reaches the real host, and all of them die with this process.
  if (mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) return sys_error("make / rprivate");
  for (const char* dir : {"/var/lib/cni", "/run/berth", "/var/lib/berth"}) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return std::string("mkdir -p ") + dir + ": " + ec.message();
    if (mount("tmpfs", dir, "tmpfs", 0, "mode=0755") != 0) return sys_error(std::string("tmpfs on ") + dir);
  }
  // A sysfs of this namespace, so /sys/class/net shows the throwaway host, not the real
  // one. Not essential (the plugins speak netlink): only warn when it is refused.
  if (mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0)
    std::fprintf(stderr, "berth-bench: warning: cannot mount a private /sys (%s); continuing\n",
                 std::strerror(errno));
  return set_lo_up();
}

std::string make_netns(const std::string& path) {
  int fd = open(path.c_str(), O_CREAT | O_EXCL | O_RDONLY | O_CLOEXEC, 0444);
  if (fd < 0) return sys_error("create " + path);
  close(fd);
  std::string error;
  std::thread t([&] {
    if (unshare(CLONE_NEWNET) != 0) {
      error = sys_error("unshare(CLONE_NEWNET)");
      return;
    }
    if (mount("/proc/thread-self/ns/net", path.c_str(), nullptr, MS_BIND, nullptr) != 0) {
      error = sys_error("bind-mount netns on " + path);
      return;
    }
    // A runtime brings lo up (the loopback plugin) before the network plugin runs.
    error = set_lo_up();
  });
  t.join();
  return error;
}

std::string make_unbound_netns(int* fd) {
  std::string error;
  std::thread t([&] {
    if (unshare(CLONE_NEWNET) != 0) {
      error = sys_error("unshare(CLONE_NEWNET)");
      return;
    }
    *fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (*fd < 0) {
      error = sys_error("open /proc/thread-self/ns/net");
      return;
    }
    error = set_lo_up();
  });
  t.join();
  return error;
}

}  // namespace berth::bench
