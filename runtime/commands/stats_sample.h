// `berth stats`: what one look at a container reads (its cgroups' usage and the byte
// counters of its network namespace), the row Docker's `docker stats` shows computed
// from two such looks, and that row as table cells or JSON.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/cgroup/cgroup.h"
#include "runtime/container/runtime.h"

namespace berth::runtime::cli {

// Bytes received and sent; -1 each when unknown.
struct NetBytes {
  int64_t rx = -1;
  int64_t tx = -1;
};

// CLOCK_MONOTONIC in nanoseconds: the clock samples are timed with.
int64_t monotonic_ns();

// Sums the text of a /proc/<pid>/net/dev over every interface except `lo`.
NetBytes sum_net_dev(std::string_view text);

// One look at a container.
struct StatsSample {
  std::string id;
  std::string name;
  bool running = false;  // running or paused: it has cgroups and an init
  Usage usage;
  NetBytes net;         // unknown for --net=host (the host's counters are not its own)
  int64_t when_ns = 0;  // CLOCK_MONOTONIC
  std::string read;     // RFC 3339, when it was taken
};

// Reads container `id` now (its record, then its cgroups and its init's net/dev). A
// container that is gone or not running comes back with running=false and `name` as
// last known (`name` is kept when the record cannot be read).
StatsSample take_sample(Runtime& rt, const std::string& id, const std::string& name = "");

// What `stats` shows for a container; nullopt (printed "--", JSON null) when unknown.
struct StatsRow {
  std::string id;
  std::string name;
  bool running = false;
  std::optional<double> cpu_percent;
  std::optional<int64_t> cpu_ns;
  std::optional<int64_t> memory;        // in use minus inactive file cache, as Docker shows
  std::optional<int64_t> memory_limit;  // the cgroup's, or the host's memory when unlimited
  std::optional<double> memory_percent;
  std::optional<int64_t> net_rx, net_tx;
  std::optional<int64_t> pids;
  std::string read;
};

// The host's RAM in bytes (the limit Docker shows for a container without -m); -1 unknown.
int64_t host_memory_bytes();

// The row for `cur`. CPU % is the cgroup's CPU time over the wall-clock time since
// `prev` (the same container's previous sample), times 100: 100 % is one CPU kept busy,
// so it exceeds 100 with several. Without a usable `prev` it is unknown.
StatsRow make_row(const StatsSample* prev, const StatsSample& cur, int64_t host_memory);

// Docker's units: network sizes in decimal units with 3 significant digits ("1.23kB",
// "648B", "12.3MB"), memory in binary units with 4 ("1.5MiB", "7.657GiB").
std::string decimal_size(double bytes);
std::string binary_size(double bytes);

// The table: a header, then a row per container, columns padded to their widest cell.
std::vector<std::string> table_header();
std::vector<std::string> table_cells(const StatsRow& r, bool no_trunc);
std::vector<std::string> table_lines(const std::vector<std::vector<std::string>>& rows);

// One JSON object per container and sample: Docker's `--format json` strings
// (Container: the full ID, ID: short unless `no_trunc`, Name, CPUPerc, MemUsage, MemPerc,
// NetIO, PIDs; templates use these too) plus the numbers behind them for scripts
// (CPUPercent, MemoryBytes, NetRxBytes, ...; null when unknown).
nlohmann::json row_json(const StatsRow& r, bool no_trunc);

}  // namespace berth::runtime::cli
