// stats: containers' live resource usage in `docker stats`' columns, refreshed every
// second until SIGINT/SIGTERM (status 0 then), or printed once with --no-stream.
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <map>

#include "runtime/commands/context.h"
#include "runtime/commands/stats_sample.h"
#include "runtime/container/inspect.h"
#include "runtime/container/lifecycle.h"

namespace berth::runtime::cli {
namespace {

constexpr int64_t kRefreshNs = 1'000'000'000;
// CPU % needs two samples. Docker's daemon samples every second and --no-stream waits for
// the second one (1-2 s). berth looks, waits this long, looks again and prints: long
// enough for the scheduler's granularity and a loaded machine to average out, short
// enough for a script that calls --no-stream in a loop. Streaming prints its first block
// after this too, then one every kRefreshNs.
constexpr int64_t kFirstSampleNs = 500'000'000;

volatile sig_atomic_t g_stop = 0;
void on_stop(int) { g_stop = 1; }

// Sleeps until `deadline` (monotonic_ns) unless SIGINT/SIGTERM came; false when one did.
// The flag is checked with the signals blocked and ppoll unblocks them atomically while
// it sleeps, so one arriving in between is never missed.
bool sleep_until(int64_t deadline) {
  sigset_t block, old;
  sigemptyset(&block);
  sigaddset(&block, SIGINT);
  sigaddset(&block, SIGTERM);
  sigprocmask(SIG_BLOCK, &block, &old);
  for (int64_t left; !g_stop && (left = deadline - monotonic_ns()) > 0;) {
    timespec ts{time_t(left / 1'000'000'000), long(left % 1'000'000'000)};
    ppoll(nullptr, 0, &ts, &old);
  }
  sigprocmask(SIG_SETMASK, &old, nullptr);
  return !g_stop;
}

enum class Format { kTable, kJson, kTemplate };

struct Options {
  std::vector<std::string> refs;
  bool all = false, no_stream = false, no_trunc = false, json = false;
  std::string format;
};

// Docker's escapes in a --format template.
std::string unescape(std::string s) {
  for (auto [from, to] : {std::pair{"\\t", "\t"}, std::pair{"\\n", "\n"}})
    for (size_t p; (p = s.find(from)) != std::string::npos;) s.replace(p, 2, to);
  return s;
}

// One refresh's output, written at once: on a terminal the table is redrawn over the
// previous one (cursor home, each line cleared to its end, the rest of the screen below).
std::string render(const std::vector<StatsRow>& rows, const Options& o, Format f,
                   const std::string& tmpl, bool redraw, bool first) {
  std::string out;
  if (f == Format::kTable) {
    std::vector<std::vector<std::string>> cells{table_header()};
    for (const auto& r : rows) cells.push_back(table_cells(r, o.no_trunc));
    if (redraw) out += first ? "\033[2J\033[H" : "\033[H";
    for (const auto& l : table_lines(cells)) out += l + (redraw ? "\033[K\n" : "\n");
    if (redraw) out += "\033[J";
    return out;
  }
  for (const auto& r : rows) {
    auto j = row_json(r, o.no_trunc);
    out += (f == Format::kJson ? j.dump() : render_format(tmpl, j).value_or("")) + "\n";
  }
  return out;
}

// The containers to show this round, (id, name): the ones named on the command line
// (resolved once, at the start), else every running one (every one with -a), newest first.
std::vector<std::pair<std::string, std::string>> targets(
    Runtime& rt, const Options& o, const std::vector<std::pair<std::string, std::string>>& named) {
  if (!o.refs.empty()) return named;
  std::vector<std::pair<std::string, std::string>> out;
  if (auto list = rt.store.list())
    for (auto it = list->rbegin(); it != list->rend(); ++it)
      if (o.all || is_active(it->state.status)) out.emplace_back(it->id, it->name);
  return out;
}

void run_stats(Context& ctx, const Options& o) {
  Format f = Format::kTable;
  std::string tmpl;
  if (o.json || o.format == "json") {
    f = Format::kJson;
  } else if (o.format.find("{{") != std::string::npos) {
    if (o.format.starts_with("table"))
      return ctx.report({Code::kInvalidConfig, "stats has no custom table format",
                         "use --format table, --format json or a template without `table`"});
    f = Format::kTemplate;
    tmpl = unescape(o.format);
    if (auto ok = render_format(tmpl, row_json(StatsRow{}, false)); !ok)
      return ctx.report(ok.error());
  } else if (!o.format.empty() && o.format != "table") {
    return ctx.report({Code::kInvalidConfig, "unknown --format `" + o.format + "`",
                       "table, json, or a template such as '{{.Name}}\\t{{.CPUPerc}}'"});
  }
  auto& rt = ctx.rt();
  std::vector<std::pair<std::string, std::string>> named;
  bool unknown = false;
  for (const auto& ref : o.refs) {
    std::string id = ctx.resolve(ref);  // says "no such container: `ref`", status 1
    if (id.empty())
      unknown = true;
    else
      named.emplace_back(id, "");
  }
  if (unknown) return;

  if (!o.no_stream) {
    struct sigaction sa {};
    sa.sa_handler = on_stop;
    sa.sa_flags = SA_RESTART;  // ppoll still returns at once: only it waits
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
  }
  bool redraw = !o.no_stream && f == Format::kTable && ::isatty(STDOUT_FILENO);
  int64_t host_memory = host_memory_bytes();
  std::map<std::string, StatsSample> prev;
  for (const auto& [id, name] : targets(rt, o, named)) prev[id] = take_sample(rt, id, name);
  int64_t next = monotonic_ns() + kFirstSampleNs;
  for (bool first = true; sleep_until(next); first = false) {
    std::map<std::string, StatsSample> cur;
    std::vector<StatsRow> rows;
    for (const auto& [id, name] : targets(rt, o, named)) {
      auto p = prev.find(id);
      StatsSample s = take_sample(rt, id, p != prev.end() ? p->second.name : name);
      // Without names given, a container that stopped since the listing drops out.
      if (!s.running && o.refs.empty() && !o.all) continue;
      rows.push_back(make_row(p != prev.end() ? &p->second : nullptr, s, host_memory));
      cur[id] = std::move(s);
    }
    std::string out = render(rows, o, f, tmpl, redraw, first);
    std::fwrite(out.data(), 1, out.size(), stdout);
    std::fflush(stdout);
    if (o.no_stream) break;
    prev = std::move(cur);
    next += kRefreshNs;
    if (int64_t now = monotonic_ns(); next < now) next = now + kRefreshNs;  // fell behind
  }
}

}  // namespace

void add_stats_command(CLI::App& app, Context& ctx) {
  static Options o;
  auto* stats = app.add_subcommand(
      "stats", "Display a live stream of containers' resource usage (CPU, memory, network, PIDs)");
  stats->add_option("CONTAINER", o.refs, "Name or ID (default: every running container)");
  stats->add_flag("-a,--all", o.all, "Show all containers (default: running ones)");
  stats->add_flag("--no-stream", o.no_stream, "Print one sample and exit instead of streaming");
  stats->add_flag("--no-trunc", o.no_trunc, "Do not truncate IDs");
  auto* format = stats->add_option(
      "--format", o.format,
      "table (default); json: one object per container per sample; or a template such as "
      "'{{.Name}}\\t{{.CPUPerc}}\\t{{.MemUsage}}'");
  stats->add_flag("--json", o.json, "Same as --format json")->excludes(format);
  stats->footer(
      "Streams every second until Ctrl-C or SIGTERM (exit status 0); on a terminal the table\n"
      "is redrawn in place, otherwise a block is printed per refresh. Without CONTAINER,\n"
      "containers that stop drop out and new ones appear; named ones that stop show --.\n"
      "CPU %: CPU time over wall-clock time between two samples (100% is one CPU, so it can\n"
      "exceed 100); the first figure comes after 0.5 s. MEM USAGE: the cgroup's memory less\n"
      "inactive page cache, over -m or the host's memory. NET I/O: bytes received / sent on\n"
      "the container's interfaces except lo (-- with --net host).");
  stats->callback([&ctx] { run_stats(ctx, o); });
}

}  // namespace berth::runtime::cli
