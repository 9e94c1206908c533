// Docker's confirmation before a prune, shared by `volume prune` and `network prune`.
// Header-only: `network prune` lives in berth_runtime_net (so its tests can drive it in
// process), `volume prune` in the berth binary; neither links the other.
#pragma once

#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <string>

#include "core/error.h"

namespace berth::runtime::cli {

// Without -f: `warning` and "Are you sure you want to continue? [y/N] " on stdout, then one
// line from stdin; true for y/yes. Nothing is asked when stdin is not a terminal: a
// script must say -f itself (code 7, naming `verb`), as Docker's CLI would otherwise hang
// or guess. A no is not an error: "`verb` cancelled" on stderr and false.
[[nodiscard]] inline Result<bool> confirm_prune(const std::string& verb, const std::string& warning) {
  if (!::isatty(STDIN_FILENO))
    return fail(Code::kInvalidConfig, verb + " needs confirmation",
                "stdin is not a terminal; use -f to remove without asking");
  std::printf("WARNING! %s\nAre you sure you want to continue? [y/N] ", warning.c_str());
  std::fflush(stdout);
  std::string answer;
  std::getline(std::cin, answer);
  while (!answer.empty() && (answer.back() == ' ' || answer.back() == '\r')) answer.pop_back();
  if (answer == "y" || answer == "Y" || answer == "yes" || answer == "Yes") return true;
  std::fprintf(stderr, "berth: %s cancelled; nothing was removed\n", verb.c_str());
  return false;
}

}  // namespace berth::runtime::cli
