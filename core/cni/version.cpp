#include "core/cni/version.h"

#include <algorithm>
#include <charconv>

namespace berth::cni {

std::optional<SemVer> parse_version(std::string_view v) {
  SemVer s;
  int* parts[3] = {&s.major, &s.minor, &s.patch};
  const char* p = v.data();
  const char* end = v.data() + v.size();
  for (int i = 0; i < 3; ++i) {
    auto [next, ec] = std::from_chars(p, end, *parts[i]);
    if (ec != std::errc() || next == p || *parts[i] < 0) return std::nullopt;
    p = next;
    if (i < 2) {
      if (p == end || *p != '.') return std::nullopt;
      ++p;
    }
  }
  if (p != end) return std::nullopt;
  return s;
}

bool is_supported_version(std::string_view v) {
  return std::find(kSupportedVersions.begin(), kSupportedVersions.end(), v) !=
         kSupportedVersions.end();
}

bool version_at_least(std::string_view v, std::string_view min) {
  auto a = parse_version(v);
  auto b = parse_version(min);
  return a && b && *a >= *b;
}

}  // namespace berth::cni
