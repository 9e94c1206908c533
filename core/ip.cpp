#include "core/ip.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <charconv>
#include <cstring>

namespace berth {

std::optional<IpAddr> IpAddr::parse(std::string_view text) {
  if (text.empty() || text.size() > INET6_ADDRSTRLEN) return std::nullopt;
  // inet_pton stops at a NUL: "10.0.0.1\0junk" must not pass as 10.0.0.1 (found by fuzzing).
  if (text.find('\0') != std::string_view::npos) return std::nullopt;
  char buf[INET6_ADDRSTRLEN + 1];
  std::memcpy(buf, text.data(), text.size());
  buf[text.size()] = '\0';
  IpAddr ip;
  if (inet_pton(AF_INET, buf, ip.bytes_.data()) == 1) {
    ip.family_ = AF_INET;
    return ip;
  }
  if (inet_pton(AF_INET6, buf, ip.bytes_.data()) == 1) {
    ip.family_ = AF_INET6;
    return ip;
  }
  return std::nullopt;
}

IpAddr IpAddr::v4(uint32_t host_order) {
  uint32_t n = htonl(host_order);
  return from_bytes(AF_INET, &n);
}

IpAddr IpAddr::from_bytes(int family, const void* bytes) {
  IpAddr ip;
  ip.family_ = family;
  std::memcpy(ip.bytes_.data(), bytes, family == AF_INET ? 4 : 16);
  return ip;
}

bool IpAddr::is_v4() const { return family_ == AF_INET; }

std::string IpAddr::str() const {
  char buf[INET6_ADDRSTRLEN];
  if (family_ == 0 || !inet_ntop(family_, bytes_.data(), buf, sizeof buf)) return "<none>";
  return buf;
}

IpAddr IpAddr::plus(int64_t n) const {
  IpAddr r = *this;
  // Add as a big-endian integer of size() bytes; carry (or borrow) propagates left.
  bool neg = n < 0;
  uint64_t mag = neg ? uint64_t(-(n + 1)) + 1 : uint64_t(n);
  int carry = 0;
  for (int i = size() - 1; i >= 0; --i) {
    int digit = int(mag & 0xff);
    mag >>= 8;
    int v = neg ? int(r.bytes_[i]) - digit - carry : int(r.bytes_[i]) + digit + carry;
    carry = neg ? (v < 0) : (v > 0xff);
    r.bytes_[i] = uint8_t(v & 0xff);
    if (mag == 0 && carry == 0) break;
  }
  return r;
}

IpAddr IpAddr::masked(int len, bool fill) const {
  IpAddr r = *this;
  for (int i = 0; i < size(); ++i) {
    int keep = len - i * 8;  // bits of this byte that belong to the prefix
    uint8_t mask = keep >= 8 ? 0xff : keep <= 0 ? 0 : uint8_t(0xff << (8 - keep));
    r.bytes_[i] = fill ? (r.bytes_[i] | uint8_t(~mask)) : (r.bytes_[i] & mask);
  }
  return r;
}

std::optional<Prefix> Prefix::parse(std::string_view text) {
  auto slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto ip = IpAddr::parse(text.substr(0, slash));
  if (!ip) return std::nullopt;
  auto num = text.substr(slash + 1);
  int len = -1;
  auto [end, ec] = std::from_chars(num.data(), num.data() + num.size(), len);
  if (ec != std::errc() || end != num.data() + num.size() || num.empty()) return std::nullopt;
  if (len < 0 || len > ip->bits()) return std::nullopt;
  return Prefix{*ip, len};
}

std::string Prefix::str() const { return addr.str() + "/" + std::to_string(len); }

bool Prefix::contains(const IpAddr& ip) const {
  return ip.family() == addr.family() && ip.masked(len) == network();
}

bool Prefix::overlaps(const Prefix& o) const {
  if (o.addr.family() != addr.family()) return false;
  int l = len < o.len ? len : o.len;
  return addr.masked(l) == o.addr.masked(l);
}

}  // namespace berth
