// Container identity: 64-hex IDs, Docker-style names, and the lookup of a user's
// reference (name, full ID or unique ID prefix) among the containers that exist.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace berth::runtime {

// 64 lower-case hex digits from getrandom(2).
std::string new_id();
// The first 12 digits, as `ps` shows them and as the default hostname.
inline std::string short_id(std::string_view id) { return std::string(id.substr(0, 12)); }

// Docker's rule: [a-zA-Z0-9][a-zA-Z0-9_.-]+ (a leading '/' is accepted and dropped by the caller).
bool valid_name(std::string_view name);
// A readable random name ("brave_turing"); `salt` picks the words.
std::string random_name(uint64_t salt);

struct IdName {
  std::string id;
  std::string name;
};

// Resolves `ref` the way Docker does: an exact name first, then an exact ID, then a
// unique ID prefix. Code 3 "no such container: `ref`" when nothing matches, code 7 when
// a prefix matches several containers.
[[nodiscard]] Result<std::string> resolve_ref(std::string_view ref, const std::vector<IdName>& all);

}  // namespace berth::runtime
