// Time stamps as Docker shows them: RFC 3339 with nanoseconds in UTC for the record,
// "2 minutes" style for people.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace berth::runtime {

// Now, as "2024-05-01T12:00:00.123456789Z".
std::string now_rfc3339();
// A moment in seconds since the epoch, as "2024-05-01T12:00:00Z" (Docker's volume CreatedAt).
std::string rfc3339_seconds(int64_t epoch);
// Seconds since the epoch of such a stamp; nullopt for "" or garbage.
std::optional<double> parse_rfc3339(std::string_view text);
// Seconds since the epoch, now.
double now_seconds();
// Docker's HumanDuration: "Less than a second", "About a minute", "3 hours", ...
std::string human_duration(double seconds);

}  // namespace berth::runtime
