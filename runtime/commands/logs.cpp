// logs: prints what the container wrote (stdout to stdout, stderr to stderr), from the
// json-file log the monitor keeps; -f follows it until the container stops.
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <deque>

#include "core/fd.h"
#include "runtime/commands/context.h"
#include "runtime/container/lifecycle.h"
#include "runtime/container/log_file.h"

namespace berth::runtime::cli {
namespace {

struct Options {
  std::string ref;
  bool follow = false, timestamps = false;
  std::string tail = "all";
};

void print(const LogEntry& e, bool timestamps) {
  FILE* out = e.stream == "stderr" ? stderr : stdout;
  if (timestamps) std::fprintf(out, "%s ", e.time.c_str());
  std::fwrite(e.log.data(), 1, e.log.size(), out);
  std::fflush(out);
}

// Reads what is new in `fd`, returns complete lines; a partial last line stays in `carry`.
std::vector<std::string> read_lines(int fd, std::string& carry) {
  char buf[65536];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) carry.append(buf, size_t(n));
  std::vector<std::string> lines;
  size_t start = 0;
  for (size_t nl; (nl = carry.find('\n', start)) != std::string::npos; start = nl + 1)
    lines.push_back(carry.substr(start, nl - start));
  carry.erase(0, start);
  return lines;
}

}  // namespace

void add_logs_command(CLI::App& app, Context& ctx) {
  static Options o;
  auto* logs = app.add_subcommand("logs", "Print a container's output");
  logs->add_option("CONTAINER", o.ref, "Name or ID")->required();
  logs->add_flag("-f,--follow", o.follow, "Keep printing new output until the container stops");
  logs->add_flag("-t,--timestamps", o.timestamps, "Prefix each line with its time");
  logs->add_option("-n,--tail", o.tail, "Only the last N lines (or all)");
  logs->callback([&ctx] {
    long tail = -1;
    if (o.tail != "all") {
      char* end = nullptr;
      tail = std::strtol(o.tail.c_str(), &end, 10);
      if (o.tail.empty() || *end || tail < 0)
        return ctx.report(
            {Code::kInvalidConfig, "invalid --tail `" + o.tail + "`: a number or all", {}});
    }
    std::string id = ctx.resolve(o.ref);
    if (id.empty()) return;
    auto& rt = ctx.rt();
    UniqueFd fd(::open(rt.store.log_path(id).c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    std::string carry;
    std::deque<LogEntry> first;
    if (fd.valid())
      for (const auto& line : read_lines(fd.get(), carry))
        if (auto e = parse_log_line(line)) {
          first.push_back(std::move(*e));
          if (tail >= 0 && first.size() > size_t(tail)) first.pop_front();
        }
    for (const auto& e : first) print(e, o.timestamps);
    while (o.follow) {
      auto c = load_reconciled(rt, id);
      bool running = c && is_active(c->state.status);
      if (!fd.valid()) fd.reset(::open(rt.store.log_path(id).c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
      if (fd.valid())
        for (const auto& line : read_lines(fd.get(), carry))
          if (auto e = parse_log_line(line)) print(*e, o.timestamps);
      // The monitor writes the last lines before it records the exit: read once more after.
      if (!running) break;
      timespec ts{0, 100'000'000};
      nanosleep(&ts, nullptr);
    }
  });
}

}  // namespace berth::runtime::cli
