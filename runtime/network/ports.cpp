#include "runtime/network/ports.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "core/fd.h"

namespace berth::runtime::net {
namespace {

int socket_type(const std::string& protocol, int* proto) {
  *proto = 0;
  if (protocol == "udp") return SOCK_DGRAM;
  if (protocol == "sctp") *proto = IPPROTO_SCTP;
  return SOCK_STREAM;
}

// Binds a probe socket to port 0 and returns it with the port the kernel chose.
Result<std::pair<UniqueFd, uint16_t>> probe(const PortMapping& m) {
  auto ip = m.host_ip.empty() ? std::optional<IpAddr>() : IpAddr::parse(m.host_ip);
  if (!m.host_ip.empty() && !ip)
    return fail(Code::kInvalidConfig, "invalid host IP `" + m.host_ip + "`");
  int family = ip ? ip->family() : AF_INET6;
  int proto = 0;
  int type = socket_type(m.protocol, &proto);
  UniqueFd fd(::socket(family, type | SOCK_CLOEXEC, proto));
  if (!fd.valid() && !ip && errno == EAFNOSUPPORT) {  // no IPv6 on this host: all IPv4 addresses
    family = AF_INET;
    fd.reset(::socket(family, type | SOCK_CLOEXEC, proto));
  }
  if (!fd.valid() && proto == IPPROTO_SCTP) {  // no SCTP module loaded: a free TCP port will do
    proto = 0;
    fd.reset(::socket(family, type | SOCK_CLOEXEC, proto));
  }
  if (!fd.valid())
    return fail_errno(Code::kIo, "open a " + m.protocol + " socket to find a free port", errno);
  sockaddr_storage ss{};
  socklen_t len = 0;
  if (family == AF_INET) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
    sin->sin_family = AF_INET;
    if (ip) std::memcpy(&sin->sin_addr, ip->data(), 4);
    len = sizeof *sin;
  } else {
    // The wildcard v6 socket (dual-stack by default) finds a port free on both families.
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
    sin6->sin6_family = AF_INET6;
    if (ip) std::memcpy(&sin6->sin6_addr, ip->data(), 16);
    len = sizeof *sin6;
  }
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&ss), len) != 0)
    return fail_errno(
        Code::kIo,
        "find a free " + m.protocol + " port on `" + (m.host_ip.empty() ? "*" : m.host_ip) + "`",
        errno);
  if (::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&ss), &len) != 0)
    return fail_errno(Code::kIo, "read the chosen port", errno);
  uint16_t port = family == AF_INET ? ntohs(reinterpret_cast<sockaddr_in*>(&ss)->sin_port)
                                    : ntohs(reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
  return std::pair{std::move(fd), port};
}

}  // namespace

Result<> assign_free_ports(std::vector<PortMapping>& ports) {
  std::vector<UniqueFd> held;  // kept bound so that no two mappings get the same port
  for (auto& m : ports) {
    if (m.host_port != 0) continue;
    auto [fd, port] = BERTH_TRY(probe(m));
    m.host_port = port;
    held.push_back(std::move(fd));
  }
  return {};
}

}  // namespace berth::runtime::net
