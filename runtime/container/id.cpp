#include "runtime/container/id.h"

#include <sys/random.h>

#include <array>
#include <cstdint>

namespace berth::runtime {

std::string new_id() {
  std::array<uint8_t, 32> bytes{};
  size_t got = 0;
  while (got < bytes.size()) {
    ssize_t n = getrandom(bytes.data() + got, bytes.size() - got, 0);
    if (n > 0) got += size_t(n);
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  for (uint8_t b : bytes) {
    id += kHex[b >> 4];
    id += kHex[b & 15];
  }
  return id;
}

bool valid_name(std::string_view name) {
  if (name.size() < 2 || name.size() > 128) return false;
  auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  if (!alnum(name[0])) return false;
  for (char c : name.substr(1))
    if (!alnum(c) && c != '_' && c != '.' && c != '-') return false;
  return true;
}

std::string random_name(uint64_t salt) {
  static constexpr const char* kAdjectives[] = {
      "amber", "brave",  "calm",  "eager", "fancy", "gentle", "happy", "jolly", "keen",  "lucid",
      "merry", "nimble", "proud", "quiet", "rapid", "sharp",  "tidy",  "vivid", "witty", "zen"};
  static constexpr const char* kNouns[] = {"babbage",  "curie",    "dijkstra", "euler",   "fermat",
                                           "gauss",    "hopper",   "hypatia",  "knuth",   "lamport",
                                           "lovelace", "noether",  "pascal",   "ritchie", "shannon",
                                           "thompson", "torvalds", "turing",   "wozniak", "yalow"};
  constexpr size_t na = std::size(kAdjectives), nn = std::size(kNouns);
  return std::string(kAdjectives[salt % na]) + "_" + kNouns[(salt / na) % nn];
}

Result<std::string> resolve_ref(std::string_view ref, const std::vector<IdName>& all) {
  std::string_view r = ref;
  if (!r.empty() && r[0] == '/') r.remove_prefix(1);  // Docker prints names as "/web"
  if (r.empty()) return fail(Code::kInvalidConfig, "empty container name or ID");
  for (const auto& c : all)
    if (c.name == r) return c.id;
  for (const auto& c : all)
    if (c.id == r) return c.id;
  const IdName* match = nullptr;
  for (const auto& c : all) {
    if (c.id.compare(0, r.size(), r) != 0) continue;
    if (match)
      return fail(Code::kInvalidConfig,
                  "multiple containers match `" + std::string(ref) + "`: give more of the ID");
    match = &c;
  }
  if (!match) return fail(Code::kUnknownContainer, "no such container: `" + std::string(ref) + "`");
  return match->id;
}

}  // namespace berth::runtime
