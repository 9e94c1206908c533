#include "core/log.h"

#include <cstdlib>
#include <string>

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace berth {

void init_logging(std::string_view program) {
  std::shared_ptr<spdlog::logger> logger;
  const char* file = std::getenv("BERTH_LOG_FILE");
  try {
    if (file && *file)
      logger = spdlog::basic_logger_st(std::string(program), file);
    else
      logger = spdlog::stderr_logger_st(std::string(program));
  } catch (const spdlog::spdlog_ex&) {
    logger = spdlog::stderr_logger_st(std::string(program) + "-stderr");
  }
  const char* level = std::getenv("BERTH_LOG_LEVEL");
  logger->set_level(level && *level ? spdlog::level::from_str(level) : spdlog::level::warn);
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %n[%P] %l: %v");
  spdlog::set_default_logger(logger);
}

}  // namespace berth
