// What every fuzz target shares: an invariant check that stops the run with a message
// (libFuzzer then saves the input as a crash artifact), and quiet logging.
#pragma once

#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(cond, what)                                                                 \
  do {                                                                                         \
    if (!(cond)) {                                                                             \
      std::fprintf(stderr, "fuzz invariant failed: %s (%s) at %s:%d\n", #cond, what, __FILE__, \
                   __LINE__);                                                                  \
      std::abort();                                                                            \
    }                                                                                          \
  } while (0)

namespace berth::fuzz {

// spdlog's default logger writes to stdout; the parsers' warnings are noise here.
inline void quiet_logs() { spdlog::set_level(spdlog::level::off); }

}  // namespace berth::fuzz
