#include "runtime/commands/stats_sample.h"

#include <sys/sysinfo.h>
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "runtime/container/clock.h"
#include "runtime/container/id.h"
#include "runtime/container/lifecycle.h"
#include "runtime/process/proc.h"

namespace berth::runtime::cli {
namespace {

// The network counters of the namespace `pid` lives in. The pid comes from the record
// and could have been reused by the time we read: the counters count only when the
// same process (same start time) is still there after the read.
NetBytes read_net_of(pid_t pid, uint64_t start) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/net/dev");
  if (!in) return {};
  std::stringstream text;
  text << in.rdbuf();
  if (!process_alive(pid, start)) return {};
  return sum_net_dev(text.str());
}

// `bytes` scaled by `base` until below it, printed with `digits` significant digits.
std::string human_size(double bytes, double base, int digits, const char* const* units,
                       size_t n_units) {
  size_t i = 0;
  while (bytes >= base && i + 1 < n_units) {
    bytes /= base;
    ++i;
  }
  // 999.7 would round to "1e+03" with %.3g: it is 1.00 of the next unit.
  double top = 1.0;
  for (int d = 0; d < digits; ++d) top *= 10;
  if (bytes >= top - 0.5 && i + 1 < n_units) {
    bytes /= base;
    ++i;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*g%s", digits, bytes, units[i]);
  return buf;
}

std::string percent(const std::optional<double>& p) {
  if (!p) return "--";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f%%", *p);
  return buf;
}

std::optional<int64_t> known(int64_t v) {
  return v >= 0 ? std::optional<int64_t>(v) : std::nullopt;
}

template <typename T>
nlohmann::json or_null(const std::optional<T>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

}  // namespace

int64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

NetBytes sum_net_dev(std::string_view text) {
  if (text.empty()) return {};
  NetBytes sum{0, 0};
  std::istringstream in{std::string(text)};
  std::string line;
  // Two header lines (no ':'), then "  eth0: rx_bytes rx_packets ... (8 receive
  // fields) tx_bytes ...".
  while (std::getline(in, line)) {
    size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string name = line.substr(0, colon);
    name.erase(0, name.find_first_not_of(' '));
    if (name == "lo") continue;
    std::istringstream fields(line.substr(colon + 1));
    int64_t v[9];
    bool ok = true;
    for (auto& f : v) ok = ok && static_cast<bool>(fields >> f);
    if (!ok) continue;
    sum.rx += v[0];
    sum.tx += v[8];
  }
  return sum;
}

StatsSample take_sample(Runtime& rt, const std::string& id, const std::string& name) {
  StatsSample s;
  s.id = id;
  s.name = name;
  auto c = load_reconciled(rt, id);
  if (c) s.name = c->name;
  if (c && is_active(c->state.status) && c->state.pid > 0) {
    s.usage = Cgroup(rt.cgroups, id).usage();
    s.when_ns = monotonic_ns();  // right after the CPU time was read (it is read last)
    if (c->config.network != "host") s.net = read_net_of(c->state.pid, c->state.pid_start);
    s.running = true;
  } else {
    s.when_ns = monotonic_ns();
  }
  s.read = now_rfc3339();
  return s;
}

int64_t host_memory_bytes() {
  struct sysinfo si {};
  if (::sysinfo(&si) != 0) return -1;
  return int64_t(si.totalram) * int64_t(si.mem_unit);
}

StatsRow make_row(const StatsSample* prev, const StatsSample& cur, int64_t host_memory) {
  StatsRow r;
  r.id = cur.id;
  r.name = cur.name;
  r.running = cur.running;
  r.read = cur.read;
  if (!cur.running) return r;
  const Usage& u = cur.usage;
  r.cpu_ns = known(u.cpu_ns);
  r.pids = known(u.pids);
  r.net_rx = known(cur.net.rx);
  r.net_tx = known(cur.net.tx);
  if (u.memory >= 0) {
    // Docker leaves out the inactive file cache: the kernel reclaims it before it would
    // OOM-kill anything, so it is not memory the container needs.
    int64_t used = u.memory;
    if (u.memory_inactive_file > 0 && u.memory_inactive_file < used) used -= u.memory_inactive_file;
    r.memory = used;
    int64_t limit = u.memory_limit;
    if (host_memory > 0 && (limit < 0 || limit > host_memory)) limit = host_memory;
    if (limit > 0) {
      r.memory_limit = limit;
      r.memory_percent = 100.0 * double(used) / double(limit);
    }
  }
  // A restart between the samples recreates the cgroup (its counter starts again): no
  // CPU % for that round.
  if (prev && prev->running && prev->usage.cpu_ns >= 0 && u.cpu_ns >= prev->usage.cpu_ns &&
      cur.when_ns > prev->when_ns)
    r.cpu_percent =
        100.0 * double(u.cpu_ns - prev->usage.cpu_ns) / double(cur.when_ns - prev->when_ns);
  return r;
}

std::string decimal_size(double bytes) {
  static const char* const kUnits[] = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
  return human_size(bytes, 1000.0, 3, kUnits, std::size(kUnits));
}

std::string binary_size(double bytes) {
  static const char* const kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  return human_size(bytes, 1024.0, 4, kUnits, std::size(kUnits));
}

std::vector<std::string> table_header() {
  return {"CONTAINER ID", "NAME", "CPU %", "MEM USAGE / LIMIT", "MEM %", "NET I/O", "PIDS"};
}

std::vector<std::string> table_cells(const StatsRow& r, bool no_trunc) {
  std::string mem = "--", net = "--";
  if (r.memory)
    mem = binary_size(double(*r.memory)) + " / " +
          (r.memory_limit ? binary_size(double(*r.memory_limit)) : std::string("--"));
  if (r.net_rx && r.net_tx)
    net = decimal_size(double(*r.net_rx)) + " / " + decimal_size(double(*r.net_tx));
  return {no_trunc ? r.id : short_id(r.id),
          r.name,
          percent(r.cpu_percent),
          mem,
          percent(r.memory_percent),
          net,
          r.pids ? std::to_string(*r.pids) : "--"};
}

std::vector<std::string> table_lines(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width;
  for (const auto& r : rows)
    for (size_t i = 0; i < r.size(); ++i) {
      if (width.size() <= i) width.push_back(0);
      width[i] = std::max(width[i], r[i].size());
    }
  std::vector<std::string> lines;
  for (const auto& r : rows) {
    std::string line;
    for (size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size()) line += std::string(width[i] - r[i].size() + 3, ' ');
    }
    lines.push_back(std::move(line));
  }
  return lines;
}

nlohmann::json row_json(const StatsRow& r, bool no_trunc) {
  auto cells = table_cells(r, no_trunc);
  return {{"Container", r.id},
          {"ID", cells[0]},
          {"Name", r.name},
          {"CPUPerc", cells[2]},
          {"MemUsage", cells[3]},
          {"MemPerc", cells[4]},
          {"NetIO", cells[5]},
          {"PIDs", cells[6]},
          {"Running", r.running},
          {"Read", r.read},
          {"CPUPercent", or_null(r.cpu_percent)},
          {"CpuNanoseconds", or_null(r.cpu_ns)},
          {"MemoryBytes", or_null(r.memory)},
          {"MemoryLimitBytes", or_null(r.memory_limit)},
          {"MemoryPercent", or_null(r.memory_percent)},
          {"NetRxBytes", or_null(r.net_rx)},
          {"NetTxBytes", or_null(r.net_tx)},
          {"Pids", or_null(r.pids)}};
}

}  // namespace berth::runtime::cli
