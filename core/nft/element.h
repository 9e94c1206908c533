// Set elements with an owner tag. Every element berth adds carries the tag of the
// attachment that needs it (an opaque caller string such as "<network> <hash>"), so DEL
// and GC find a container's elements without knowing its addresses. The tag is stored in
// the element's userdata the way `nft` stores an element comment, so `nft list` shows it
// as `comment "<tag>"`.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/nft/expr.h"

namespace berth::nft {

class Socket;

inline constexpr size_t kMaxTagLen = 200;

struct Element {
  Bytes key;        // the set key exactly as the kernel stores it
  std::string tag;  // owner; empty = none
  Bytes data;       // a map element's value, as the kernel stores it; empty in a plain set
  bool operator==(const Element&) const = default;
};

// The userdata bytes for `tag`. Code 7 when the tag is empty, longer than kMaxTagLen or
// contains a NUL byte.
[[nodiscard]] Result<Bytes> encode_tag(std::string_view tag);
// The tag in element userdata; nullopt when the userdata holds none (an element someone
// else added, or a malformed record).
[[nodiscard]] std::optional<std::string> decode_tag(std::span<const uint8_t> userdata);

// Dumps the elements of `set` in `table`; an empty list when the table or set is absent.
[[nodiscard]] Result<std::vector<Element>> dump_elements(Socket& sock, const std::string& table,
                                                         uint32_t family, const std::string& set);

// The element of `set` with exactly `key`; nullopt when there is none (or no table or set).
// One request, whatever the size of the set.
[[nodiscard]] Result<std::optional<Element>> get_element(Socket& sock, const std::string& table,
                                                         uint32_t family, const std::string& set,
                                                         const Bytes& key);

// Above this many keys find_elements() reads the whole set once instead of asking key by
// key: each lookup is a round trip to the kernel with its own reply and acknowledgement
// (~50-100 µs here), while a dump carries hundreds of elements per datagram.
inline constexpr size_t kLookupsBeforeDump = 32;

// The element of `set` for each of `keys` (nullopt where there is none, or no table or
// set), in the order of `keys`. Point lookups for a few keys, so the cost of a small ADD
// does not grow with what is installed; one dump of the set for many.
[[nodiscard]] Result<std::vector<std::optional<Element>>> find_elements(
    Socket& sock, const std::string& table, uint32_t family, const std::string& set,
    std::span<const Bytes> keys);

}  // namespace berth::nft
