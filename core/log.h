// Logging setup: spdlog to stderr (stdout carries the CNI result), or to the file named
// by BERTH_LOG_FILE. Level from BERTH_LOG_LEVEL (trace, debug, info, warn, error, off).
#pragma once

#include <string_view>

namespace berth {

void init_logging(std::string_view program);

}  // namespace berth
