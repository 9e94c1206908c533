#include "runtime/container/clock.h"

#include <time.h>

#include <cstdio>

namespace berth::runtime {

std::string now_rfc3339() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  tm t{};
  gmtime_r(&ts.tv_sec, &t);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", t.tm_year + 1900,
                t.tm_mon + 1, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec, ts.tv_nsec);
  return buf;
}

std::string rfc3339_seconds(int64_t epoch) {
  time_t secs = time_t(epoch);
  tm t{};
  gmtime_r(&secs, &t);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", t.tm_year + 1900, t.tm_mon + 1,
                t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec);
  return buf;
}

double now_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) / 1e9;
}

std::optional<double> parse_rfc3339(std::string_view text) {
  tm t{};
  int consumed = 0;
  std::string s(text);
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &t.tm_year, &t.tm_mon, &t.tm_mday,
                  &t.tm_hour, &t.tm_min, &t.tm_sec, &consumed) != 6)
    return std::nullopt;
  t.tm_year -= 1900;
  t.tm_mon -= 1;
  double frac = 0;
  size_t i = size_t(consumed);
  if (i < s.size() && s[i] == '.') {
    double scale = 0.1;
    for (++i; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i, scale /= 10)
      frac += (s[i] - '0') * scale;
  }
  if (i >= s.size() || s[i] != 'Z') return std::nullopt;
  return double(timegm(&t)) + frac;
}

std::string human_duration(double seconds) {
  auto n = [](double v) { return std::to_string(static_cast<long long>(v)); };
  if (seconds < 1) return "Less than a second";
  if (seconds < 2) return "1 second";
  if (seconds < 60) return n(seconds) + " seconds";
  double minutes = seconds / 60;
  if (minutes < 2) return "About a minute";
  if (minutes < 60) return n(minutes) + " minutes";
  double hours = minutes / 60;
  if (hours < 1.5) return "About an hour";
  if (hours < 48) return n(hours) + " hours";
  if (hours < 24 * 7 * 2) return n(hours / 24) + " days";
  if (hours < 24 * 30 * 2) return n(hours / 24 / 7) + " weeks";
  if (hours < 24 * 365 * 2) return n(hours / 24 / 30) + " months";
  return n(hours / 24 / 365) + " years";
}

}  // namespace berth::runtime
