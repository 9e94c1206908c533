#include "runtime/network/pool.h"

#include <sys/socket.h>

#include <vector>

namespace berth::runtime::net {
namespace {

bool is_free(const Prefix& p, std::span<const Prefix> taken) {
  for (const auto& t : taken)
    if (t.len > 0 && t.overlaps(p)) return false;
  return true;
}

std::vector<Prefix> candidates() {
  std::vector<Prefix> out;
  for (uint32_t b = 17; b <= 31; ++b) out.push_back({IpAddr::v4((172u << 24) | (b << 16)), 16});
  for (uint32_t c = 0; c < 256; c += 16)
    out.push_back({IpAddr::v4((192u << 24) | (168u << 16) | (c << 8)), 20});
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return 0;
}

}  // namespace

std::optional<Prefix> pick_subnet(std::span<const Prefix> taken) {
  for (const auto& p : candidates())
    if (is_free(p, taken)) return p;
  return std::nullopt;
}

std::optional<Prefix> pick_subnet_v6(const std::string& id, std::span<const Prefix> taken) {
  uint8_t bytes[16] = {0xfd};
  for (size_t i = 0; i < 5; ++i) {  // 40-bit global ID from the first 10 hex digits
    char hi = i * 2 < id.size() ? id[i * 2] : '0', lo = i * 2 + 1 < id.size() ? id[i * 2 + 1] : '0';
    bytes[1 + i] = uint8_t(hex_value(hi) << 4 | hex_value(lo));
  }
  for (int subnet = 0; subnet < 256; ++subnet) {
    bytes[6] = 0;
    bytes[7] = uint8_t(subnet);
    Prefix p{IpAddr::from_bytes(AF_INET6, bytes), 64};
    if (is_free(p, taken)) return p;
  }
  return std::nullopt;
}

}  // namespace berth::runtime::net
