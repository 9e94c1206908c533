// Shared by the unit and netns security tests: a hostile name shown safely in a test
// message, and a umask of 000 so that a file's mode is exactly the one the code asked for.
#pragma once

#include <sys/stat.h>

#include <string>

namespace berth::test {

// At most 40 bytes of `s`, control characters as '?', and its length when cut.
inline std::string show(const std::string& s) {
  std::string out;
  for (unsigned char c : s.substr(0, 40)) out += c < 0x20 ? '?' : char(c);
  return out + (s.size() > 40 ? "...(" + std::to_string(s.size()) + " bytes)" : "");
}

// umask 000 while alive, for this process and what it starts.
struct NoUmask {
  mode_t saved = ::umask(0);
  ~NoUmask() { ::umask(saved); }
};

}  // namespace berth::test
