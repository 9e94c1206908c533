// The figures berth-bench-ports measures and the one table it prints with its targets.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

namespace berth::bench {

struct PortsFigures {
  // 1. N containers, one mapping each: every chain's ADD and DEL, in ms.
  int containers = 0;
  std::vector<double> berth_add, ref_add, berth_del, ref_del;
  // 0. The first ADD on the host, one container with `many` mappings (once per run).
  std::vector<double> berth_add_many_cold, ref_add_many_cold;
  // 2. One container with many mappings, `busy` containers on the bridge.
  int many = 0, busy = 0;
  std::vector<double> berth_add_many, ref_add_many, berth_del_many, ref_del_many;
  // 3. berth ADD of a probe container with 0, 1 and 10 mappings, over the same filler
  // containers holding no mappings ("empty") or `installed` mappings ("full"). The ADD
  // without mappings shows what publishing adds to an attachment.
  int installed = 0;
  std::vector<double> add0_empty, add0_full, add1_empty, add1_full, add10_empty, add10_full;
  std::vector<double> del1_empty, del1_full;  // the DEL after each 1-mapping ADD
  // 4. connect() to first reply byte from the outside host, in ms.
  int connections = 0;
  std::vector<double> rtt_dnat, rtt_direct;
  // 5. iperf3 receiver bits per second, one entry per run.
  int iperf_seconds = 0;
  std::vector<double> iperf_published, iperf_direct;

  std::string load_before, load_after;
  double floor_ms = 0;  // /bin/true through the same fork + exec + wait4
};

// Prints the markdown table; returns the number of targets not met.
int print_ports_report(std::FILE* out, const PortsFigures& f);

}  // namespace berth::bench
