#include "runtime/process/child_report.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

namespace berth::runtime {

void report_child_error(int fd, const Error& e) noexcept {
  // One buffer, one write: [int code][msg]\0[details]. Pipes keep writes up to PIPE_BUF whole.
  std::string buf(sizeof(int), '\0');
  int code = static_cast<int>(e.code);
  std::memcpy(buf.data(), &code, sizeof code);
  buf += e.msg.substr(0, 3000);
  buf += '\0';
  buf += e.details.substr(0, 900);
  (void)!::write(fd, buf.data(), buf.size());
}

Result<> read_child_report(int fd) {
  std::string buf;
  char chunk[4096];
  for (;;) {
    ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    buf.append(chunk, size_t(n));
  }
  if (buf.empty()) return {};
  if (buf.size() < sizeof(int))
    return fail(Code::kInternal, "container setup failed (truncated report)");
  int code = 0;
  std::memcpy(&code, buf.data(), sizeof code);
  std::string rest = buf.substr(sizeof code);
  auto nul = rest.find('\0');
  std::string details = nul == std::string::npos ? "" : rest.substr(nul + 1);
  rest.resize(std::min(nul, rest.size()));
  return std::unexpected(Error{static_cast<Code>(code), rest, details});
}

int exit_status_for(const Error& e) {
  if (e.code == kCannotInvoke) return 126;
  if (e.code == kCommandNotFound) return 127;
  return 125;
}

}  // namespace berth::runtime
