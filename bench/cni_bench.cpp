// berth-bench: berth-bridge + berth-ipam against the reference bridge + host-local, timed
// the way a container runtime sees them. It runs as its own throwaway host (private
// network and mount namespaces), makes N container namespaces up front, then for each
// suite execs ADD for containers 1..N and DEL for all of them, timing every exec and
// recording each plugin process's peak RSS. See README.md.
#include <malloc.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>

#include "bench/report.h"
#include "bench/sandbox.h"
#include "bench/spawn.h"

namespace berth::bench {
namespace {

namespace fs = std::filesystem;

constexpr const char* kNetnsDir = "/run/berth/bench-netns";  // on the private tmpfs

struct Options {
  int count = 200;
  int rounds = 1;
  bool masq = false;
  bool interleave = false;
  std::string bin;
  std::string ref_dir = "/usr/lib/cni";
  std::string raw;
};

// One bridge plugin with its IPAM plugin.
struct Suite {
  std::string name;  // "berth" or "reference"
  std::string plugin;
  std::string ipam;
  std::string cni_path;
  std::string subnet;
  SuiteStats stats;
  size_t netns_offset = 0;  // interleaved, each suite has its own namespaces (one eth0 each)
};

struct RawSample {
  std::string suite, command;
  int round, container;
  double ms, cpu_ms;
  long maxrss_kb;
};

std::string self_dir() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? "." : exe.parent_path().string();
}

std::string absolute_dir(const std::string& dir) {
  fs::path p = fs::absolute(dir).lexically_normal();
  if (!p.has_filename()) p = p.parent_path();  // "build/bin/" -> ".../build/bin"
  return p.string();
}

std::string load_average() {
  std::ifstream f("/proc/loadavg");
  std::string one, five, fifteen;
  f >> one >> five >> fifteen;
  return one + " " + five + " " + fifteen;
}

bool executable(const std::string& path) { return access(path.c_str(), X_OK) == 0; }

std::string config_json(const Suite& s, bool masq) {
  std::string type = fs::path(s.plugin).filename().string();
  return "{\"cniVersion\":\"1.0.0\",\"name\":\"bench-" + s.name + "\",\"type\":\"" + type + "\",\"bridge\":\"" + s.name +
         "br0\",\"isGateway\":true" + (masq ? ",\"ipMasq\":true" : "") + ",\"ipam\":{\"type\":\"" + s.ipam +
         "\",\"subnet\":\"" + s.subnet + "\"}}";
}

// The DEL config a runtime sends: the network config with the ADD result as prevResult.
std::string with_prev_result(const std::string& config, std::string result) {
  while (!result.empty() && (result.back() == '\n' || result.back() == ' ')) result.pop_back();
  if (result.empty() || result.front() != '{') return config;
  return config.substr(0, config.size() - 1) + ",\"prevResult\":" + result + "}";
}

std::vector<std::string> cni_env(const Suite& s, const std::string& command, const std::string& id,
                                 const std::string& netns) {
  std::vector<std::string> env = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "CNI_COMMAND=" + command,
                                  "CNI_CONTAINERID=" + id,          "CNI_NETNS=" + netns,
                                  "CNI_IFNAME=eth0",                "CNI_PATH=" + s.cni_path};
  if (const char* level = getenv("BERTH_LOG_LEVEL")) env.push_back(std::string("BERTH_LOG_LEVEL=") + level);
  return env;
}

[[noreturn]] void abort_run(const Suite& s, const std::string& command, int container, const Exec& e) {
  std::fprintf(stderr,
               "berth-bench: %s %s of container %d failed with exit code %d\n"
               "--- stdout ---\n%s\n--- stderr ---\n%s\n",
               s.name.c_str(), command.c_str(), container, e.exit_code, e.out.c_str(), e.err.c_str());
  std::exit(1);
}

// One suite's state within a round: the ADD results that its DELs send back as prevResult.
struct RoundState {
  std::string config;
  std::vector<std::string> results;
  std::vector<double> add, del;
};

std::string container_id(const Suite& s, int round, int i) {
  return "bench-" + s.name + "-r" + std::to_string(round + 1) + "-" + std::to_string(i + 1);
}

// Execs one ADD or DEL of container i (0-based) and records it.
void run_one(Suite& s, RoundState& st, const std::string& command, int round, int i,
             const std::vector<std::string>& netns, std::vector<RawSample>& raw) {
  const bool add = command == "ADD";
  const std::string id = container_id(s, round, i);
  Exec e = spawn(s.plugin, cni_env(s, command, id, netns[s.netns_offset + size_t(i)]),
                 add ? st.config : with_prev_result(st.config, st.results[size_t(i)]));
  if (e.exit_code != 0 || (add && e.out.empty())) abort_run(s, command, i + 1, e);
  (add ? st.add : st.del)[size_t(i)] = e.ms;
  (add ? s.stats.add_cpu_ms : s.stats.del_cpu_ms).push_back(e.cpu_ms);
  s.stats.peak_rss_kb = std::max(s.stats.peak_rss_kb, e.maxrss_kb);
  if (add) st.results[size_t(i)] = std::move(e.out);
  raw.push_back({s.name, command, round + 1, i + 1, e.ms, e.cpu_ms, e.maxrss_kb});
}

double seconds(const std::vector<double>& ms) {
  double sum = 0;
  for (double v : ms) sum += v;
  return sum / 1000;
}

// One round of both suites. Blocks: the first suite's ADD for containers 1..N, then its
// DEL for all, then the same for the second suite. Interleaved: ADD of container i for
// both suites (which one goes first alternates with i), then DEL likewise; slower drift
// in machine load then hits both suites alike.
void run_round(Suite& first, Suite& second, const Options& o, const std::vector<std::string>& netns, int round,
               std::vector<RawSample>& raw) {
  Suite* suites[2] = {&first, &second};
  RoundState st[2];
  for (int k = 0; k < 2; ++k) {
    st[k].config = config_json(*suites[k], o.masq);
    st[k].results.resize(size_t(o.count));
    st[k].add.resize(size_t(o.count));
    st[k].del.resize(size_t(o.count));
  }
  if (o.interleave) {
    for (const char* command : {"ADD", "DEL"})
      for (int i = 0; i < o.count; ++i)
        for (int k : {i % 2, 1 - i % 2}) run_one(*suites[k], st[k], command, round, i, netns, raw);
  } else {
    for (int k = 0; k < 2; ++k)
      for (const char* command : {"ADD", "DEL"})
        for (int i = 0; i < o.count; ++i) run_one(*suites[k], st[k], command, round, i, netns, raw);
  }
  for (int k = 0; k < 2; ++k) {
    std::fprintf(stderr, "  round %d: %-9s ADD x%d %.2f s, DEL x%d %.2f s\n", round + 1, suites[k]->name.c_str(),
                 o.count, seconds(st[k].add), o.count, seconds(st[k].del));
    suites[k]->stats.add_ms.push_back(std::move(st[k].add));
    suites[k]->stats.del_ms.push_back(std::move(st[k].del));
  }
}

// fork + exec + wait4 of /bin/true: the part of every figure that is not the plugin.
void measure_floor(ReportContext& ctx) {
  std::vector<double> times;
  for (int i = 0; i < 21; ++i) {
    Exec e = spawn("/bin/true", {"PATH=/usr/bin:/bin"}, "");
    times.push_back(e.ms);
    ctx.floor_rss_kb = std::max(ctx.floor_rss_kb, e.maxrss_kb);
  }
  ctx.floor_ms = percentile(times, 50);
}

int run(const Options& o) {
  if (geteuid() != 0) {
    std::fprintf(stderr,
                 "berth-bench: must run as root: it creates network namespaces, bridges and veths "
                 "(inside a private namespace that vanishes on exit). Try: sudo %s\n",
                 "berth-bench --count 1000");
    return 2;
  }

  Suite berth{"berth", o.bin + "/berth-bridge", "berth-ipam", o.bin, "10.201.0.0/16", {}};
  Suite ref{"reference", o.ref_dir + "/bridge", "host-local", o.ref_dir, "10.202.0.0/16", {}};
  berth.stats.name = berth.name;
  ref.stats.name = ref.name;
  for (const auto& path : {berth.plugin, ref.plugin, ref.cni_path + "/host-local"}) {
    if (!executable(path)) {
      std::fprintf(stderr, "berth-bench: %s is missing or not executable (see --bin and --ref-dir)\n", path.c_str());
      return 2;
    }
  }
  if (!executable(o.bin + "/berth-ipam")) {
    std::fprintf(stderr, "berth-bench: warning: %s/berth-ipam not found; the berth suite uses %s/host-local for IPAM\n",
                 o.bin.c_str(), o.ref_dir.c_str());
    berth.ipam = "host-local";
    berth.cni_path = o.bin + ":" + o.ref_dir;
  }

  signal(SIGPIPE, SIG_IGN);  // a plugin that exits without reading stdin must not kill us
  if (auto error = become_throwaway_host(); !error.empty()) {
    std::fprintf(stderr, "berth-bench: cannot set up the throwaway host: %s\n", error.c_str());
    return 1;
  }

  std::fprintf(stderr, "berth-bench: berth     = %s + %s (CNI_PATH=%s)\n", berth.plugin.c_str(), berth.ipam.c_str(),
               berth.cni_path.c_str());
  std::fprintf(stderr, "berth-bench: reference = %s + %s (CNI_PATH=%s)\n", ref.plugin.c_str(), ref.ipam.c_str(),
               ref.cni_path.c_str());
  const int namespaces = o.interleave ? 2 * o.count : o.count;
  if (o.interleave) ref.netns_offset = size_t(o.count);
  std::fprintf(stderr, "berth-bench: creating %d container namespaces...\n", namespaces);
  std::error_code ec;
  fs::create_directories(kNetnsDir, ec);
  std::vector<std::string> netns;
  for (int i = 1; i <= namespaces; ++i) {
    netns.push_back(std::string(kNetnsDir) + "/c" + std::to_string(i));
    if (auto error = make_netns(netns.back()); !error.empty()) {
      std::fprintf(stderr, "berth-bench: container namespace %d: %s\n", i, error.c_str());
      return 1;
    }
  }

  ReportContext ctx;
  ctx.count = o.count;
  ctx.rounds = o.rounds;
  ctx.masq = o.masq;
  ctx.interleave = o.interleave;
  ctx.load_before = load_average();
  if (std::atof(ctx.load_before.c_str()) > 0.5 * double(std::max(1u, std::thread::hardware_concurrency())))
    std::fprintf(stderr, "berth-bench: warning: the machine is busy (load average %s); timings will be noisy\n",
                 ctx.load_before.c_str());

  // Every forked plugin starts out charged with the anonymous pages it copies from us:
  // hand freed heap back to the kernel before each round to keep that small.
  malloc_trim(0);
  // Each round runs both suites back to back; the suite that goes first alternates.
  std::vector<RawSample> raw;
  for (int r = 0; r < o.rounds; ++r) {
    if (r % 2 == 0)
      run_round(berth, ref, o, netns, r, raw);
    else
      run_round(ref, berth, o, netns, r, raw);
    malloc_trim(0);
  }

  ctx.load_after = load_average();
  malloc_trim(0);
  measure_floor(ctx);  // after the runs, when the benchmark holds the most memory

  if (!o.raw.empty()) {
    if (std::FILE* f = std::fopen(o.raw.c_str(), "w")) {
      std::fprintf(f, "suite,command,round,container,ms,cpu_ms,maxrss_kb\n");
      for (const auto& s : raw)
        std::fprintf(f, "%s,%s,%d,%d,%.4f,%.3f,%ld\n", s.suite.c_str(), s.command.c_str(), s.round, s.container, s.ms,
                     s.cpu_ms, s.maxrss_kb);
      std::fclose(f);
    } else {
      std::fprintf(stderr, "berth-bench: warning: cannot write %s\n", o.raw.c_str());
    }
  }

  std::fprintf(stdout, "berth:     %s + %s\nreference: %s + %s\n", berth.plugin.c_str(), berth.ipam.c_str(),
               ref.plugin.c_str(), ref.ipam.c_str());
  print_report(stdout, ctx, berth.stats, ref.stats);
  return 0;
}

}  // namespace
}  // namespace berth::bench

int main(int argc, char** argv) {
  berth::bench::Options o;
  o.bin = berth::bench::self_dir();
  CLI::App app{
      "berth-bench: times berth-bridge + berth-ipam against the reference bridge + host-local, "
      "exec'd as a runtime does, inside a throwaway network namespace. Needs root."};
  app.add_option("-n,--count", o.count, "containers attached (ADD) then detached (DEL) per round")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  app.add_option("-r,--rounds", o.rounds, "rounds; each runs both suites, alternating which goes first")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  app.add_flag("--masq", o.masq, "add \"ipMasq\": true to both configs");
  app.add_flag("--interleave", o.interleave,
               "alternate the suites exec by exec instead of in blocks (fairer on a busy machine)");
  app.add_option("--bin", o.bin, "directory with berth-bridge and berth-ipam (default: this binary's directory)")
      ->check(CLI::ExistingDirectory)
      ->capture_default_str();
  app.add_option("--ref-dir", o.ref_dir, "directory with the reference bridge and host-local")
      ->check(CLI::ExistingDirectory)
      ->capture_default_str();
  app.add_option("--raw", o.raw, "also write every timed exec to this CSV file");
  app.footer("Example: sudo build/bin/berth-bench --count 1000");
  CLI11_PARSE(app, argc, argv);
  // CNI_PATH entries must not depend on the plugin's working directory.
  o.bin = berth::bench::absolute_dir(o.bin);
  o.ref_dir = berth::bench::absolute_dir(o.ref_dir);
  return berth::bench::run(o);
}
