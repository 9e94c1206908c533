// Standard base64 (RFC 4648, with padding): the encoding of the conflist bytes in
// libcni's result cache (Go's []byte marshals as base64).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace berth::runtime::net {

[[nodiscard]] std::string base64_encode(std::string_view bytes);
// nullopt when `text` is not valid padded base64.
[[nodiscard]] std::optional<std::string> base64_decode(std::string_view text);

}  // namespace berth::runtime::net
