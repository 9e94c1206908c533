// Statistics over the timed plugin runs and the printed comparison table.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

namespace berth::bench {

// Everything measured for one suite (one bridge plugin with its IPAM plugin).
struct SuiteStats {
  std::string name;
  std::vector<std::vector<double>> add_ms;  // [round][container 0..N-1], in ADD order
  std::vector<std::vector<double>> del_ms;  // [round][container 0..N-1]
  std::vector<double> add_cpu_ms, del_cpu_ms;  // user + system CPU of each exec, all rounds
  long peak_rss_kb = 0;                         // max ru_maxrss over every ADD and DEL
};

// Nearest-rank percentile (p in 0..100) of the values; 0 when empty.
double percentile(std::vector<double> values, double p);

// Median ADD time around the k-th container (1-based): containers k-2..k+2, clipped to
// 1..N, pooled over all rounds.
double add_at(const SuiteStats& s, int k);

struct ReportContext {
  int count = 0;
  int rounds = 0;
  bool masq = false;
  bool interleave = false;
  std::string load_before, load_after;  // /proc/loadavg's 1/5/15-minute figures
  long floor_rss_kb = 0;  // /bin/true through the same spawn path
  double floor_ms = 0;
  long noop_rss_kb = 0;  // berth-bench-noop (static): the exec floor
  double noop_ms = 0;
};

// Prints the markdown table with the targets, and a second one against the floors (none,
// or floor, floor-v6, floor-unbound in that order); returns the number of missed targets.
int print_report(std::FILE* out, const ReportContext& ctx, const SuiteStats& berth, const SuiteStats& ref,
                 const std::vector<const SuiteStats*>& floors = {});

}  // namespace berth::bench
