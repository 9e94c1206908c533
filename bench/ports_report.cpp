#include "bench/ports_report.h"

#include "bench/report.h"

namespace berth::bench {
namespace {

std::string fmt(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

std::string ms(double v) {
  if (v <= 0) return "n/a";
  return fmt(v < 1 ? "%.3f ms" : v < 10 ? "%.2f ms" : v < 1000 ? "%.1f ms" : "%.0f ms", v);
}
std::string gbit(double bps) { return bps <= 0 ? "n/a" : fmt("%.2f Gbit/s", bps / 1e9); }
std::string ratio(double a, double b) { return a > 0 && b > 0 ? fmt("%.3f", a / b) : "n/a"; }
double p(const std::vector<double>& v, double q) { return percentile(v, q); }
double mean(const std::vector<double>& v) {
  double sum = 0;
  for (double x : v) sum += x;
  return v.empty() ? 0 : sum / double(v.size());
}

struct Table {
  std::FILE* out;
  int met = 0, missed = 0;

  // verdict: -1 no target, 0 not met, 1 met.
  void row(const std::string& what, const std::string& berth, const std::string& other,
           const std::string& q, const std::string& target = "", int verdict = -1) {
    if (verdict == 1) ++met;
    if (verdict == 0) ++missed;
    const char* result = verdict < 0 ? "" : verdict ? "met" : "not met";
    std::fprintf(out, "| %s | %s | %s | %s | %s | %s |\n", what.c_str(), berth.c_str(),
                 other.c_str(), q.c_str(), target.c_str(), result);
  }
  // A row whose ratio berth/other has a target bound.
  void ratio_row(const std::string& what, double berth, double other, bool at_most, double bound,
                 const std::string& target, bool bits = false) {
    const bool have = berth > 0 && other > 0;
    const double r = have ? berth / other : 0;
    row(what, bits ? gbit(berth) : ms(berth), bits ? gbit(other) : ms(other), ratio(berth, other),
        target,
        !have     ? 0
        : at_most ? r <= bound
                  : r >= bound);
  }
};

}  // namespace

int print_ports_report(std::FILE* out, const PortsFigures& f) {
  Table t{out};
  std::fprintf(out, "\n| measure | berth | reference or baseline | ratio | target | result |\n");
  std::fprintf(out, "|---|---:|---:|---:|---|---|\n");

  const std::string n = std::to_string(f.containers);
  t.ratio_row("ADD, 1 mapping, p50 (" + n + " containers; reference: bridge + portmap)",
              p(f.berth_add, 50), p(f.ref_add, 50), true, 1.0 / 30, "berth/ref <= 1/30 (0.033)");
  t.row("ADD, 1 mapping, p90", ms(p(f.berth_add, 90)), ms(p(f.ref_add, 90)),
        ratio(p(f.berth_add, 90), p(f.ref_add, 90)));
  t.ratio_row("DEL, 1 mapping, p50 (reference: portmap + bridge)", p(f.berth_del, 50),
              p(f.ref_del, 50), true, 1.0 / 30, "berth/ref <= 1/30 (0.033)");
  t.row("DEL, 1 mapping, p90", ms(p(f.berth_del, 90)), ms(p(f.ref_del, 90)),
        ratio(p(f.berth_del, 90), p(f.ref_del, 90)));

  const std::string m = std::to_string(f.many);
  const double b_cold = p(f.berth_add_many_cold, 50), r_cold = p(f.ref_add_many_cold, 50);
  t.row("ADD, 1 container with " + m +
            " mappings -> 80/tcp, cold: the first on the host (no bridge, no table yet)",
        ms(b_cold), ms(r_cold), ratio(b_cold, r_cold), "berth <= 50 ms",
        b_cold > 0 && b_cold <= 50);
  const double b_many = p(f.berth_add_many, 50), r_many = p(f.ref_add_many, 50);
  t.row("ADD, 1 container with " + m + " mappings, " + std::to_string(f.busy) +
            " containers on the bridge (median of " + std::to_string(f.berth_add_many.size()) +
            " berth, " + std::to_string(f.ref_add_many.size()) + " reference)",
        ms(b_many), ms(r_many), ratio(b_many, r_many), "berth <= 50 ms",
        b_many > 0 && b_many <= 50);
  t.row("DEL, 1 container with " + m + " mappings", ms(p(f.berth_del_many, 50)),
        ms(p(f.ref_del_many, 50)), ratio(p(f.berth_del_many, 50), p(f.ref_del_many, 50)));

  const std::string installed = std::to_string(f.installed);
  t.row("ADD without mappings (same containers), " + installed + " installed vs none, p50",
        ms(p(f.add0_full, 50)), ms(p(f.add0_empty, 50)),
        ratio(p(f.add0_full, 50), p(f.add0_empty, 50)));
  t.ratio_row("ADD with 1 mapping, " + installed + " installed (baseline: none), p50",
              p(f.add1_full, 50), p(f.add1_empty, 50), true, 1.2, "<= 1.2x");
  t.ratio_row("ADD with 10 mappings, " + installed + " installed (baseline: none), p50",
              p(f.add10_full, 50), p(f.add10_empty, 50), true, 1.2, "<= 1.2x");
  t.row("DEL with 1 mapping, " + installed + " installed vs none, p50", ms(p(f.del1_full, 50)),
        ms(p(f.del1_empty, 50)), ratio(p(f.del1_full, 50), p(f.del1_empty, 50)));

  const std::string c = std::to_string(f.connections);
  t.ratio_row("connect + first byte, p50, via DNAT with " + installed +
                  " mappings (baseline: straight to the "
                  "container, no DNAT), " +
                  c + " each",
              p(f.rtt_dnat, 50), p(f.rtt_direct, 50), true, 1.1, "<= 1.1x");
  t.row("connect + first byte, p90", ms(p(f.rtt_dnat, 90)), ms(p(f.rtt_direct, 90)),
        ratio(p(f.rtt_dnat, 90), p(f.rtt_direct, 90)));

  t.ratio_row("iperf3 TCP, published port (baseline: container address), mean of " +
                  std::to_string(f.iperf_published.size()) + " x " +
                  std::to_string(f.iperf_seconds) + " s",
              mean(f.iperf_published), mean(f.iperf_direct), false, 0.9, ">= 0.9x", true);

  std::fprintf(out, "\ntargets: %d met, %d not met\n", t.met, t.missed);
  std::fprintf(out, "spawn floor (/bin/true through the same fork + exec + wait4): %s\n",
               ms(f.floor_ms).c_str());
  std::fprintf(out, "load average before: %s; after: %s\n", f.load_before.c_str(),
               f.load_after.c_str());
  return t.missed;
}

}  // namespace berth::bench
