// Standard base64 (RFC 4648, with padding): how Go's []byte marshals to JSON, so both
// libcni's result cache (the conflist bytes) and etcd's JSON gateway (keys, values) use it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace berth {

[[nodiscard]] std::string base64_encode(std::string_view bytes);
// nullopt when `text` is not valid padded base64.
[[nodiscard]] std::optional<std::string> base64_decode(std::string_view text);

}  // namespace berth
