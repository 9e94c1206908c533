// User namespace id maps: `CONTAINER_ID:HOST_ID:SIZE` lines as /proc/PID/uid_map takes
// them (podman's --uidmap syntax), checked before anything is made.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace berth::runtime {

struct IdRange {
  uint32_t container = 0;  // first id inside the namespace
  uint32_t host = 0;       // the host id it is
  uint32_t size = 0;
  friend bool operator==(const IdRange&, const IdRange&) = default;
};
using IdMap = std::vector<IdRange>;

// "C:H:S" (decimal). Code 7 for anything else, a zero size, or a range that would reach
// id 4294967295 (the kernel's "no id") on either side.
[[nodiscard]] Result<IdRange> parse_id_range(std::string_view text, std::string_view what);
// Code 7 unless the ranges are disjoint on both sides, at most 340 (the kernel's limit),
// and container id 0 is mapped (the container's root must be somebody).
[[nodiscard]] Result<> validate_id_map(const IdMap& map, std::string_view what);

std::string to_string(const IdRange& r);  // "C:H:S"
// The whole map in uid_map's format: one "C H S\n" per range.
std::string map_file_text(const IdMap& map);
// The host id that `container_id` is, if mapped.
std::optional<uint32_t> host_id(const IdMap& map, uint32_t container_id);
// Whether [first, first+size) meets a host-side range of `map`.
bool overlaps_host(const IdMap& map, uint64_t first, uint64_t size);

}  // namespace berth::runtime
