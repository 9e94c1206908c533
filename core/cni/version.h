// CNI spec versions berth speaks, and comparison of version strings.
#pragma once

#include <array>
#include <optional>
#include <string_view>

namespace berth::cni {

inline constexpr std::array<std::string_view, 5> kSupportedVersions = {"0.3.0", "0.3.1", "0.4.0",
                                                                       "1.0.0", "1.1.0"};
inline constexpr std::string_view kLatestVersion = "1.1.0";

struct SemVer {
  int major = 0, minor = 0, patch = 0;
  auto operator<=>(const SemVer&) const = default;
};

// "1.0.0" -> {1,0,0}; nullopt for anything that is not three dot-separated numbers.
std::optional<SemVer> parse_version(std::string_view v);
bool is_supported_version(std::string_view v);
// True when `v` parses and is >= `min` (which must parse).
bool version_at_least(std::string_view v, std::string_view min);

}  // namespace berth::cni
