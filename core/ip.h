// IP addresses and prefixes: parse, format, compare, step. Pure; no system calls.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace berth {

class IpAddr {
 public:
  IpAddr() = default;
  // Parses dotted-quad IPv4 or any textual IPv6; nullopt when it is neither.
  static std::optional<IpAddr> parse(std::string_view text);
  static IpAddr v4(uint32_t host_order);
  static IpAddr from_bytes(int family, const void* bytes);

  [[nodiscard]] int family() const { return family_; }  // AF_INET or AF_INET6
  [[nodiscard]] bool is_v4() const;
  [[nodiscard]] int bits() const { return is_v4() ? 32 : 128; }
  [[nodiscard]] const uint8_t* data() const { return bytes_.data(); }
  [[nodiscard]] int size() const { return is_v4() ? 4 : 16; }
  [[nodiscard]] std::string str() const;  // IPv4 dotted quad, IPv6 compressed

  // The address `n` steps further (wrapping within the family).
  [[nodiscard]] IpAddr plus(int64_t n) const;
  [[nodiscard]] IpAddr next() const { return plus(1); }
  // Keeps the first `len` bits, clears (or with `fill` sets) the rest.
  [[nodiscard]] IpAddr masked(int len, bool fill = false) const;

  auto operator<=>(const IpAddr&) const = default;

 private:
  int family_ = 0;
  std::array<uint8_t, 16> bytes_{};  // network order; IPv4 uses the first 4
};

// An address with a prefix length. "10.1.2.5/24" keeps its host bits.
struct Prefix {
  IpAddr addr;
  int len = 0;

  static std::optional<Prefix> parse(std::string_view text);
  [[nodiscard]] std::string str() const;
  [[nodiscard]] IpAddr network() const { return addr.masked(len); }
  [[nodiscard]] IpAddr last() const { return addr.masked(len, true); }
  [[nodiscard]] bool is_network() const { return addr == network(); }
  [[nodiscard]] bool contains(const IpAddr& ip) const;
  [[nodiscard]] bool overlaps(const Prefix& o) const;
  auto operator<=>(const Prefix&) const = default;
};

}  // namespace berth
