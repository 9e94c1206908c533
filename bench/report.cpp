#include "bench/report.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace berth::bench {
namespace {

std::vector<double> flatten(const std::vector<std::vector<double>>& rounds) {
  std::vector<double> all;
  for (const auto& r : rounds) all.insert(all.end(), r.begin(), r.end());
  return all;
}

std::string fmt(const char* format, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, v);
  return buf;
}

std::string ms(double v) { return fmt(v < 10 ? "%.2f ms" : "%.1f ms", v); }
std::string ratio(double v) { return fmt("%.3f", v); }
std::string mib(long kb) { return fmt("%.1f MiB", double(kb) / 1024.0); }

std::string ordinal(int k) {
  int tens = k % 100, ones = k % 10;
  const char* suffix = (tens >= 11 && tens <= 13) ? "th" : ones == 1 ? "st" : ones == 2 ? "nd" : ones == 3 ? "rd" : "th";
  return std::to_string(k) + suffix;
}

struct Table {
  std::FILE* out;
  int missed = 0;
  int passed = 0;

  void row(const std::string& what, const std::string& b, const std::string& r, const std::string& q,
           const std::string& target = "", int verdict = -1) {
    std::string result = verdict < 0 ? "" : verdict ? "PASS" : "MISS";
    if (verdict == 1) ++passed;
    if (verdict == 0) ++missed;
    std::fprintf(out, "| %s | %s | %s | %s | %s | %s |\n", what.c_str(), b.c_str(), r.c_str(), q.c_str(),
                 target.c_str(), result.c_str());
  }
};

}  // namespace

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  size_t rank = size_t(std::ceil(p / 100.0 * double(values.size())));
  return values[std::clamp<size_t>(rank, 1, values.size()) - 1];
}

double add_at(const SuiteStats& s, int k) {
  std::vector<double> window;
  for (const auto& round : s.add_ms) {
    int n = int(round.size());
    for (int i = std::max(1, k - 2); i <= std::min(n, k + 2); ++i) window.push_back(round[size_t(i - 1)]);
  }
  return percentile(window, 50);
}

// ADD at each milestone for berth, the reference and the floors, as ratios to the floor
// (IPv6 off, bound namespace file: what berth does on an IPv4-only network).
void print_floor_table(std::FILE* out, Table& t, const ReportContext& ctx, const SuiteStats& berth,
                       const SuiteStats& ref, const std::vector<const SuiteStats*>& floors) {
  const SuiteStats& floor = *floors[0];
  std::fprintf(out, "\n| ADD at | berth | reference |");
  for (const auto* f : floors) std::fprintf(out, " %s |", f->name.c_str());
  std::fprintf(out, " berth/floor | reference/floor | target | result |\n|---|---:|---:|");
  for (size_t i = 0; i < floors.size(); ++i) std::fprintf(out, "---:|");
  std::fprintf(out, "---:|---:|---|---|\n");
  int last = 0;
  for (int k : {1, 100, 500, 1000}) {
    if (k > ctx.count) break;
    last = k;
  }
  for (int k : {1, 100, 500, 1000}) {
    if (k > ctx.count) break;
    const double b = add_at(berth, k), r = add_at(ref, k), fl = add_at(floor, k);
    std::fprintf(out, "| %s | %s | %s |", ordinal(k).c_str(), ms(b).c_str(), ms(r).c_str());
    for (const auto* f : floors) std::fprintf(out, " %s |", ms(add_at(*f, k)).c_str());
    const bool judged = k == last && k > 1;
    std::fprintf(out, " %s | %s | %s | %s |\n", ratio(b / fl).c_str(), ratio(r / fl).c_str(),
                 judged ? "berth/floor <= 1.50" : "", judged ? (b <= 1.5 * fl ? "PASS" : "MISS") : "");
    if (judged) ++(b <= 1.5 * fl ? t.passed : t.missed);
  }
  const auto f_del = flatten(floor.del_ms), b_del = flatten(berth.del_ms), r_del = flatten(ref.del_ms);
  std::fprintf(out, "| DEL p50 | %s | %s |", ms(percentile(b_del, 50)).c_str(), ms(percentile(r_del, 50)).c_str());
  for (const auto* f : floors) std::fprintf(out, " %s |", ms(percentile(flatten(f->del_ms), 50)).c_str());
  std::fprintf(out, " %s | %s | | |\n", ratio(percentile(b_del, 50) / percentile(f_del, 50)).c_str(),
               ratio(percentile(r_del, 50) / percentile(f_del, 50)).c_str());
  std::fprintf(out, "| peak RSS | %s | %s |", mib(berth.peak_rss_kb).c_str(), mib(ref.peak_rss_kb).c_str());
  for (const auto* f : floors) std::fprintf(out, " %s |", mib(f->peak_rss_kb).c_str());
  std::fprintf(out, " %s | %s | | |\n", ratio(double(berth.peak_rss_kb) / double(floor.peak_rss_kb)).c_str(),
               ratio(double(ref.peak_rss_kb) / double(floor.peak_rss_kb)).c_str());
  std::fprintf(out,
               "\nfloor: berth-bench-floor, static, raw rtnetlink: the veth with its host end on the bridge and "
               "its peer born in the namespace in one batch, link-up + address + default route in one batch "
               "inside; IPv6 link-local off (floor, floor-unbound) or on (floor-v6); floor-unbound gets a "
               "namespace bound to no file. DEL: one RTM_DELLINK, waited.\n");
}

int print_report(std::FILE* out, const ReportContext& ctx, const SuiteStats& berth, const SuiteStats& ref,
                 const std::vector<const SuiteStats*>& floors) {
  const auto b_add = flatten(berth.add_ms), r_add = flatten(ref.add_ms);
  const auto b_del = flatten(berth.del_ms), r_del = flatten(ref.del_ms);
  const double b_add50 = percentile(b_add, 50), r_add50 = percentile(r_add, 50);
  const double b_del50 = percentile(b_del, 50), r_del50 = percentile(r_del, 50);

  std::fprintf(out, "\n%d containers x %d round(s), ipMasq %s, suites %s; %zu ADD + %zu DEL timed per suite\n\n",
               ctx.count, ctx.rounds, ctx.masq ? "on" : "off", ctx.interleave ? "interleaved" : "in blocks", b_add.size(),
               b_del.size());
  Table t{out};
  std::fprintf(out, "| measure | berth | reference | berth/reference | target | result |\n");
  std::fprintf(out, "|---|---:|---:|---:|---|---|\n");
  t.row("ADD p50", ms(b_add50), ms(r_add50), ratio(b_add50 / r_add50), "berth/ref <= 0.10",
        b_add50 <= r_add50 / 10);
  t.row("ADD p99", ms(percentile(b_add, 99)), ms(percentile(r_add, 99)),
        ratio(percentile(b_add, 99) / percentile(r_add, 99)));
  t.row("DEL p50", ms(b_del50), ms(r_del50), ratio(b_del50 / r_del50), "berth/ref <= 1.00", b_del50 <= r_del50);
  t.row("DEL p99", ms(percentile(b_del, 99)), ms(percentile(r_del, 99)),
        ratio(percentile(b_del, 99) / percentile(r_del, 99)));

  const double b_acpu = percentile(berth.add_cpu_ms, 50), r_acpu = percentile(ref.add_cpu_ms, 50);
  const double b_dcpu = percentile(berth.del_cpu_ms, 50), r_dcpu = percentile(ref.del_cpu_ms, 50);
  t.row("ADD CPU p50 (user+sys)", ms(b_acpu), ms(r_acpu), ratio(b_acpu / r_acpu));
  t.row("DEL CPU p50 (user+sys)", ms(b_dcpu), ms(r_dcpu), ratio(b_dcpu / r_dcpu));

  int last = 1;
  for (int k : {1, 100, 500, 1000}) {
    if (k > ctx.count) break;
    last = k;
    double b = add_at(berth, k), r = add_at(ref, k);
    std::string label = "ADD at " + ordinal(k) + " (containers " + std::to_string(std::max(1, k - 2)) + "-" +
                        std::to_string(std::min(ctx.count, k + 2)) + ")";
    t.row(label, ms(b), ms(r), ratio(b / r));
  }
  if (last > 1) {
    double b = add_at(berth, last) / add_at(berth, 1), r = add_at(ref, last) / add_at(ref, 1);
    t.row("ADD " + ordinal(last) + " / ADD 1st", ratio(b), ratio(r), "", "berth <= 1.30", b <= 1.3);
  } else {
    t.row("ADD 1000th / ADD 1st", "n/a", "n/a", "", "berth <= 1.30 (needs --count >= 100)");
  }
  t.row("peak RSS of one plugin process", mib(berth.peak_rss_kb), mib(ref.peak_rss_kb),
        ratio(double(berth.peak_rss_kb) / double(ref.peak_rss_kb)), "berth/ref <= 0.25",
        berth.peak_rss_kb * 4 <= ref.peak_rss_kb);

  if (!floors.empty()) print_floor_table(out, t, ctx, berth, ref, floors);

  std::fprintf(out, "\ntargets: %d PASS, %d MISS", t.passed, t.missed);
  if (last < 1000) std::fprintf(out, " (scaling measured at the %s container; --count 1000 for the 1000th)",
                                ordinal(last).c_str());
  std::fprintf(out, "\nspawn floor (/bin/true through the same fork + exec + wait4): %s, %s\n", ms(ctx.floor_ms).c_str(),
               mib(ctx.floor_rss_kb).c_str());
  if (ctx.noop_ms > 0)
    std::fprintf(out, "exec floor (berth-bench-noop, static, same path): %s, %s\n", ms(ctx.noop_ms).c_str(),
                 mib(ctx.noop_rss_kb).c_str());
  std::fprintf(out, "load average before: %s; after: %s\n", ctx.load_before.c_str(), ctx.load_after.c_str());
  return t.missed;
}

}  // namespace berth::bench
