// The container log, in Docker's json-file format: one JSON object per line,
// {"log":"hello\n","stream":"stdout","time":"2024-...Z"}. The monitor writes it,
// `logs` reads it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/fd.h"

namespace berth::runtime {

struct LogEntry {
  std::string stream;  // "stdout" or "stderr"
  std::string time;    // RFC 3339
  std::string log;     // the line, with its '\n' (none for a final partial line)
};

class LogWriter {
 public:
  // Appends to `path` (created 0640).
  [[nodiscard]] static Result<LogWriter> open(const std::string& path);
  // Adds output of `stream` (0 stdout, 1 stderr); complete lines are written at once,
  // a partial line waits for its end (or for flush()).
  void write(int stream, std::string_view data);
  void flush();

 private:
  void emit(int stream, std::string_view line);
  UniqueFd fd_;
  std::string pending_[2];
};

// One line of the file; nullopt when it is not a log entry.
std::optional<LogEntry> parse_log_line(std::string_view line);
// The JSON line for one entry (with the trailing '\n').
std::string format_log_line(const LogEntry& e);

}  // namespace berth::runtime
