#include "runtime/diagnose/probe.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "core/fd.h"

namespace berth::runtime::diagnose {

namespace {

struct SockAddr {
  sockaddr_storage ss{};
  socklen_t len = 0;
};

SockAddr to_sockaddr(const IpAddr& a, uint16_t port) {
  SockAddr s;
  if (a.is_v4()) {
    auto* in = reinterpret_cast<sockaddr_in*>(&s.ss);
    in->sin_family = AF_INET;
    in->sin_port = htons(port);
    std::memcpy(&in->sin_addr, a.data(), 4);
    s.len = sizeof(sockaddr_in);
  } else {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&s.ss);
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(port);
    std::memcpy(&in6->sin6_addr, a.data(), 16);
    s.len = sizeof(sockaddr_in6);
  }
  return s;
}

IpAddr from_sockaddr(const sockaddr_storage& ss) {
  if (ss.ss_family == AF_INET)
    return IpAddr::from_bytes(AF_INET, &reinterpret_cast<const sockaddr_in*>(&ss)->sin_addr);
  return IpAddr::from_bytes(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&ss)->sin6_addr);
}

// Waits for a non-blocking connect to finish; 0 or the errno it ended with.
int finish_connect(int fd, int timeout_ms) {
  pollfd pfd{.fd = fd, .events = POLLOUT, .revents = 0};
  int n = ::poll(&pfd, 1, timeout_ms);
  if (n == 0) return ETIMEDOUT;
  if (n < 0) return errno;
  int err = 0;
  socklen_t len = sizeof err;
  if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) return errno;
  return err;
}

}  // namespace

Result<RouteChoice> route_to(const NetNs& ns, const IpAddr& dst) {
  return ns.run_in([&]() -> Result<RouteChoice> {
    UniqueFd fd(::socket(dst.family(), SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!fd.valid()) return fail_errno(Code::kIo, "socket", errno);
    auto sa = to_sockaddr(dst, 9);  // the port does not matter: nothing is sent
    if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&sa.ss), sa.len) != 0)
      return RouteChoice{.err = errno, .source = {}};
    sockaddr_storage local{};
    socklen_t len = sizeof local;
    if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&local), &len) != 0)
      return fail_errno(Code::kIo, "getsockname", errno);
    return RouteChoice{.err = 0, .source = from_sockaddr(local)};
  });
}

Result<int> tcp_connect(const NetNs& ns, const IpAddr& dst, uint16_t port, int timeout_ms) {
  return ns.run_in([&]() -> Result<int> {
    UniqueFd fd(::socket(dst.family(), SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!fd.valid()) return fail_errno(Code::kIo, "socket", errno);
    auto sa = to_sockaddr(dst, port);
    if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&sa.ss), sa.len) == 0) return 0;
    if (errno != EINPROGRESS) return errno;
    return finish_connect(fd.get(), timeout_ms);
  });
}

}  // namespace berth::runtime::diagnose
