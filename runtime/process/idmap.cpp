#include "runtime/process/idmap.h"

#include <charconv>

namespace berth::runtime {
namespace {

constexpr uint64_t kNoId = 4294967295u;  // (uid_t)-1: never a valid id
constexpr size_t kMaxRanges = 340;       // uid_map's line limit since Linux 4.15

bool parse_u32(std::string_view s, uint32_t& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

bool meets(uint64_t a, uint64_t a_size, uint64_t b, uint64_t b_size) {
  return a < b + b_size && b < a + a_size;
}

}  // namespace

Result<IdRange> parse_id_range(std::string_view text, std::string_view what) {
  auto bad = [&](const std::string& why) {
    return fail(Code::kInvalidConfig, "invalid " + std::string(what) + " `" +
                                          std::string(text.substr(0, 80)) + "`: " + why);
  };
  auto c1 = text.find(':');
  auto c2 = c1 == std::string_view::npos ? c1 : text.find(':', c1 + 1);
  IdRange r;
  if (c2 == std::string_view::npos || !parse_u32(text.substr(0, c1), r.container) ||
      !parse_u32(text.substr(c1 + 1, c2 - c1 - 1), r.host) ||
      !parse_u32(text.substr(c2 + 1), r.size))
    return bad("expected CONTAINER_ID:HOST_ID:SIZE (decimal numbers)");
  if (r.size == 0) return bad("the size must be at least 1");
  if (uint64_t(r.container) + r.size > kNoId || uint64_t(r.host) + r.size > kNoId)
    return bad("the range goes past the largest id (4294967294)");
  return r;
}

Result<> validate_id_map(const IdMap& map, std::string_view what) {
  auto bad = [&](const std::string& why) {
    return fail(Code::kInvalidConfig, "invalid " + std::string(what) + ": " + why);
  };
  if (map.size() > kMaxRanges) return bad("more than 340 ranges");
  for (size_t i = 0; i < map.size(); ++i)
    for (size_t j = i + 1; j < map.size(); ++j) {
      const IdRange &a = map[i], &b = map[j];
      if (meets(a.container, a.size, b.container, b.size))
        return bad("`" + to_string(a) + "` and `" + to_string(b) +
                   "` overlap inside the container");
      if (meets(a.host, a.size, b.host, b.size))
        return bad("`" + to_string(a) + "` and `" + to_string(b) + "` overlap on the host");
    }
  if (!host_id(map, 0)) return bad("container id 0 (root) is not mapped");
  return {};
}

std::string to_string(const IdRange& r) {
  return std::to_string(r.container) + ":" + std::to_string(r.host) + ":" + std::to_string(r.size);
}

std::string map_file_text(const IdMap& map) {
  std::string s;
  for (const auto& r : map)
    s += std::to_string(r.container) + " " + std::to_string(r.host) + " " + std::to_string(r.size) +
         "\n";
  return s;
}

std::optional<uint32_t> host_id(const IdMap& map, uint32_t container_id) {
  for (const auto& r : map)
    if (container_id >= r.container && uint64_t(container_id) < uint64_t(r.container) + r.size)
      return r.host + (container_id - r.container);
  return std::nullopt;
}

bool overlaps_host(const IdMap& map, uint64_t first, uint64_t size) {
  for (const auto& r : map)
    if (meets(r.host, r.size, first, size)) return true;
  return false;
}

}  // namespace berth::runtime
