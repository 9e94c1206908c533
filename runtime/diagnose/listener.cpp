// Listening sockets inside a namespace, from /proc/thread-self/net/*: /proc/net follows
// the namespace of the reading *thread* only through thread-self (/proc/self/net is the
// main thread's), and the reading thread here is the one run_in moved into the target.
#include <sys/socket.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include "runtime/diagnose/probe.h"

namespace berth::runtime::diagnose {

namespace {

constexpr int kTcpListen = 0x0A;

// The kernel prints each 32-bit word of the address as the hex of its in-memory value,
// so the bytes come back by copying the parsed word into memory again.
std::optional<IpAddr> parse_hex_addr(const std::string& hex, int family) {
  size_t words = family == AF_INET ? 1 : 4;
  if (hex.size() != words * 8) return std::nullopt;
  uint8_t bytes[16] = {};
  for (size_t i = 0; i < words; ++i) {
    uint32_t w = static_cast<uint32_t>(std::stoul(hex.substr(i * 8, 8), nullptr, 16));
    std::memcpy(bytes + i * 4, &w, 4);
  }
  return IpAddr::from_bytes(family, bytes);
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

std::vector<IpAddr> parse_proc_net(const std::string& table, int family, uint16_t port, int state) {
  std::vector<IpAddr> out;
  std::istringstream lines(table);
  std::string line;
  std::getline(lines, line);  // the header
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    std::string sl, local, remote, st;
    if (!(fields >> sl >> local >> remote >> st)) continue;
    auto colon = local.find(':');
    if (colon == std::string::npos) continue;
    try {
      if (std::stoul(local.substr(colon + 1), nullptr, 16) != port) continue;
      if (state != 0 && std::stoi(st, nullptr, 16) != state) continue;
    } catch (const std::exception&) {
      continue;
    }
    if (auto a = parse_hex_addr(local.substr(0, colon), family)) out.push_back(*a);
  }
  return out;
}

Result<std::vector<IpAddr>> listeners(const NetNs& ns, const std::string& proto, uint16_t port) {
  int state = proto == "tcp" ? kTcpListen : 0;
  return ns.run_in([&]() -> Result<std::vector<IpAddr>> {
    std::vector<IpAddr> out;
    for (auto [suffix, family] : {std::pair{"", AF_INET}, std::pair{"6", AF_INET6}}) {
      std::string table = read_file("/proc/thread-self/net/" + proto + suffix);
      for (auto& a : parse_proc_net(table, family, port, state)) out.push_back(a);
    }
    return out;
  });
}

}  // namespace berth::runtime::diagnose
