#include "runtime/container/log_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <nlohmann/json.hpp>

#include "runtime/container/clock.h"

namespace berth::runtime {
namespace {

// Lines longer than this are split, as Docker does at 16 KiB.
constexpr size_t kMaxLine = 16 * 1024;

}  // namespace

Result<LogWriter> LogWriter::open(const std::string& path) {
  LogWriter w;
  // 0600: a container's output may hold secrets; only berth (root) reads it back.
  w.fd_.reset(::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!w.fd_.valid()) return fail_errno(Code::kIo, "open log `" + path + "`", errno);
  return w;
}

std::string format_log_line(const LogEntry& e) {
  nlohmann::json j = {{"log", e.log}, {"stream", e.stream}, {"time", e.time}};
  // Container output need not be UTF-8: replace what is not rather than fail.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

std::optional<LogEntry> parse_log_line(std::string_view line) {
  auto j = nlohmann::json::parse(line, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("log")) return std::nullopt;
  return LogEntry{j.value("stream", "stdout"), j.value("time", ""), j.value("log", "")};
}

void LogWriter::emit(int stream, std::string_view line) {
  std::string text =
      format_log_line({stream ? "stderr" : "stdout", now_rfc3339(), std::string(line)});
  for (size_t off = 0; off < text.size();) {
    ssize_t n = ::write(fd_.get(), text.data() + off, text.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // a full disk loses log lines, never the container
    off += size_t(n);
  }
}

void LogWriter::write(int stream, std::string_view data) {
  std::string& buf = pending_[stream];
  buf.append(data);
  size_t start = 0;
  for (;;) {
    size_t nl = buf.find('\n', start);
    if (nl == std::string::npos) {
      if (buf.size() - start < kMaxLine) break;
      nl = start + kMaxLine - 1;
    }
    emit(stream, std::string_view(buf).substr(start, nl + 1 - start));
    start = nl + 1;
  }
  buf.erase(0, start);
}

void LogWriter::flush() {
  for (int s = 0; s < 2; ++s)
    if (!pending_[s].empty()) emit(s, std::exchange(pending_[s], {}));
}

}  // namespace berth::runtime
