// The runtime's -p / --publish parser (runtime/network/publish) and --expose
// (runtime/container/parse). Invariants: bad input is code 7; every mapping has a
// container port, a known protocol and a host address in canonical form; ranges come
// out consecutive; and each mapping written back in Docker's syntax parses to itself.
#include <cstdint>
#include <string>
#include <vector>

#include "core/ip.h"
#include "runtime/container/parse.h"
#include "runtime/network/network.h"
#include "tests/fuzz/fuzz_check.h"

namespace net = berth::runtime::net;

namespace {

// [ip:][hostPort:]containerPort/proto, IPv6 in brackets.
std::string docker_syntax(const net::PortMapping& m) {
  std::string s;
  if (!m.host_ip.empty()) {
    bool v6 = m.host_ip.find(':') != std::string::npos;
    s = (v6 ? "[" + m.host_ip + "]" : m.host_ip) + ":";
    s += (m.host_port ? std::to_string(m.host_port) : "") + ":";
  } else if (m.host_port) {
    s = std::to_string(m.host_port) + ":";
  }
  return s + std::to_string(m.container_port) + "/" + m.protocol;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string spec(reinterpret_cast<const char*>(data), size);
  auto maps = net::parse_publish(spec);
  if (!maps) {
    FUZZ_CHECK(maps.error().code == berth::Code::kInvalidConfig, "bad -p is not code 7");
  } else {
    FUZZ_CHECK(!maps->empty(), "a -p spec gave no mapping");
    for (size_t i = 0; i < maps->size(); ++i) {
      const auto& m = (*maps)[i];
      FUZZ_CHECK(m.container_port != 0, "container port 0");
      FUZZ_CHECK(m.protocol == "tcp" || m.protocol == "udp" || m.protocol == "sctp", "protocol");
      if (!m.host_ip.empty()) {
        auto ip = berth::IpAddr::parse(m.host_ip);
        FUZZ_CHECK(ip && ip->str() == m.host_ip, "host address not canonical");
      }
      if (i > 0) {
        const auto& prev = (*maps)[i - 1];
        FUZZ_CHECK(m.container_port == prev.container_port + 1, "container range not consecutive");
        FUZZ_CHECK(m.host_port == 0 || m.host_port == prev.host_port + 1, "host range gap");
      }
      if (i >= 64) continue;  // a 1-65535 range would re-parse 65535 specs per input
      auto again = net::parse_publish(docker_syntax(m));
      FUZZ_CHECK(again && again->size() == 1 && again->front() == m,
                 "a mapping written back in -p syntax parses differently");
    }
  }
  std::vector<std::string> exposed;
  if (auto ok = berth::runtime::parse_expose(spec, exposed); ok) {
    FUZZ_CHECK(!exposed.empty(), "--expose gave nothing");
    for (const auto& e : exposed) {
      auto slash = e.find('/');
      FUZZ_CHECK(slash != std::string::npos && slash > 0, "--expose entry without /proto");
    }
  } else {
    FUZZ_CHECK(ok.error().code == berth::Code::kInvalidConfig, "bad --expose is not code 7");
  }
  return 0;
}
