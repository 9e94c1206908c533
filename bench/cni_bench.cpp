// berth-bench: berth-bridge + berth-ipam against the reference bridge + host-local, timed
// the way a container runtime sees them. It runs as its own throwaway host (private
// network and mount namespaces), makes N container namespaces up front, then for each
// suite execs ADD for containers 1..N and DEL for all of them, timing every exec and
// recording each plugin process's peak RSS. See README.md.
#include <malloc.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
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
  bool floor = true;
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
  // The floors (berth-bench-floor): exec'd like a plugin, configured by FLOOR_* variables.
  bool floor = false;
  bool floor_ipv6 = false;  // leave the IPv6 link-local on (as a dual-stack network would)
  bool unbound = false;     // its namespaces are descriptors (fd 3), bound to no file
  char letter = 0;          // in its bridge's and host ends' names
};

// The container namespaces: files for the plugins (and two floors), descriptors for the
// floor that gets them unbound.
struct Namespaces {
  std::vector<std::string> bound;
  std::vector<int> unbound;
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

// One descriptor per unbound namespace stays open for the whole run.
void raise_fd_limit(size_t want) {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= want) return;
  rl.rlim_cur = std::min<rlim_t>(std::max<rlim_t>(want, rl.rlim_cur), rl.rlim_max);
  setrlimit(RLIMIT_NOFILE, &rl);
}

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

std::string floor_bridge(const Suite& s) { return std::string("fl") + s.letter + "br0"; }

// "10.203.0.0/16" -> "10.203."
std::string first_two_octets(const std::string& subnet) {
  return subnet.substr(0, subnet.find('.', subnet.find('.') + 1) + 1);
}

// A floor's attachment of container i (0-based): 10.20x.0.(i+2)/16 via 10.20x.0.1.
std::vector<std::string> floor_env(const Suite& s, const std::string& command, int i, const std::string& netns) {
  const std::string net = first_two_octets(s.subnet);
  const int host = i + 2;
  return {"FLOOR_COMMAND=" + command,
          std::string("FLOOR_IPV6=") + (s.floor_ipv6 ? "1" : "0"),
          "FLOOR_BRIDGE=" + floor_bridge(s),
          std::string("FLOOR_HOST_IFNAME=vf") + s.letter + std::to_string(i + 1),
          "FLOOR_IFNAME=eth0",
          "FLOOR_NETNS=" + netns,
          "FLOOR_ADDR=" + net + std::to_string(host >> 8) + "." + std::to_string(host & 255) + "/16",
          "FLOOR_GW=" + net + "0.1/16"};
}

// Execs one ADD or DEL of container i (0-based) and records it.
void run_one(Suite& s, RoundState& st, const std::string& command, int round, int i, const Namespaces& netns,
             std::vector<RawSample>& raw) {
  const bool add = command == "ADD";
  Exec e;
  if (s.floor) {
    const int fd = s.unbound ? netns.unbound[size_t(i)] : -1;
    e = spawn_argv({s.plugin},
                   floor_env(s, command, i, s.unbound ? "/proc/self/fd/3" : netns.bound[s.netns_offset + size_t(i)]),
                   "", fd);
  } else {
    const std::string id = container_id(s, round, i);
    e = spawn(s.plugin, cni_env(s, command, id, netns.bound[s.netns_offset + size_t(i)]),
              add ? st.config : with_prev_result(st.config, st.results[size_t(i)]));
  }
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

// One round of every suite, in the order given. Blocks: the first suite's ADD for
// containers 1..N, then its DEL for all, then the same for the next suite. Interleaved:
// ADD of container i for every suite (which one goes first rotates with i), then DEL
// likewise; slower drift in machine load then hits all suites alike.
void run_round(const std::vector<Suite*>& suites, const Options& o, const Namespaces& netns, int round,
               std::vector<RawSample>& raw) {
  const size_t n = suites.size();
  std::vector<RoundState> st(n);
  for (size_t k = 0; k < n; ++k) {
    if (!suites[k]->floor) st[k].config = config_json(*suites[k], o.masq);
    st[k].results.resize(size_t(o.count));
    st[k].add.resize(size_t(o.count));
    st[k].del.resize(size_t(o.count));
  }
  if (o.interleave) {
    for (const char* command : {"ADD", "DEL"})
      for (int i = 0; i < o.count; ++i)
        for (size_t j = 0; j < n; ++j) {
          size_t k = (size_t(i) + j) % n;
          run_one(*suites[k], st[k], command, round, i, netns, raw);
        }
  } else {
    for (size_t k = 0; k < n; ++k)
      for (const char* command : {"ADD", "DEL"})
        for (int i = 0; i < o.count; ++i) run_one(*suites[k], st[k], command, round, i, netns, raw);
  }
  for (size_t k = 0; k < n; ++k) {
    std::fprintf(stderr, "  round %d: %-9s ADD x%d %.2f s, DEL x%d %.2f s\n", round + 1, suites[k]->name.c_str(),
                 o.count, seconds(st[k].add), o.count, seconds(st[k].del));
    suites[k]->stats.add_ms.push_back(std::move(st[k].add));
    suites[k]->stats.del_ms.push_back(std::move(st[k].del));
  }
}

// fork + exec + wait4 of /bin/true (dynamic, as the reference plugins are not) and of
// berth-bench-noop (static): the part of every figure that is not the plugin's work.
void measure_exec_floor(const std::string& exe, double* ms, long* rss_kb) {
  std::vector<double> times;
  for (int i = 0; i < 21; ++i) {
    Exec e = spawn(exe, {"PATH=/usr/bin:/bin"}, "");
    times.push_back(e.ms);
    *rss_kb = std::max(*rss_kb, e.maxrss_kb);
  }
  *ms = percentile(times, 50);
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
  if (o.floor && (!executable(o.bin + "/berth-bench-floor") || !executable(o.bin + "/berth-bench-noop"))) {
    std::fprintf(stderr, "berth-bench: %s/berth-bench-floor or berth-bench-noop is missing (build them, or --no-floor)\n",
                 o.bin.c_str());
    return 2;
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
  // The floors: IPv6 off (as berth on an IPv4-only network), IPv6 on, and IPv6 off in
  // namespaces bound to no file. Each has its own bridge, made here, untimed.
  std::vector<Suite> floors;
  if (o.floor) {
    const std::string exe = o.bin + "/berth-bench-floor";
    floors.push_back({"floor", exe, "", "", "10.203.0.0/16", {}, 0, true, false, false, 'a'});
    floors.push_back({"floor-v6", exe, "", "", "10.204.0.0/16", {}, 0, true, true, false, 'b'});
    floors.push_back({"floor-unbound", exe, "", "", "10.205.0.0/16", {}, 0, true, false, true, 'c'});
    for (auto& f : floors) {
      f.stats.name = f.name;
      Exec e = spawn(f.plugin, floor_env(f, "SETUP", 0, ""), "");
      if (e.exit_code != 0) abort_run(f, "SETUP", 0, e);
    }
  }
  std::vector<Suite*> order = {&berth, &ref};
  for (auto& f : floors) order.push_back(&f);

  // Interleaved, every suite bound to files has its own N namespaces; in blocks they reuse
  // the same N (each suite's DELs leave them empty).
  Namespaces netns;
  size_t bound_suites = 0;
  for (Suite* s : order) {
    if (s->unbound) continue;
    if (o.interleave) s->netns_offset = bound_suites * size_t(o.count);
    ++bound_suites;
  }
  const int namespaces = o.interleave ? int(bound_suites) * o.count : o.count;
  std::fprintf(stderr, "berth-bench: creating %d container namespaces%s...\n", namespaces,
               o.floor ? (" (and " + std::to_string(o.count) + " unbound ones)").c_str() : "");
  std::error_code ec;
  fs::create_directories(kNetnsDir, ec);
  for (int i = 1; i <= namespaces; ++i) {
    netns.bound.push_back(std::string(kNetnsDir) + "/c" + std::to_string(i));
    if (auto error = make_netns(netns.bound.back()); !error.empty()) {
      std::fprintf(stderr, "berth-bench: container namespace %d: %s\n", i, error.c_str());
      return 1;
    }
  }
  if (o.floor) {
    raise_fd_limit(size_t(o.count) + 64);
    for (int i = 1; i <= o.count; ++i) {
      int fd = -1;
      if (auto error = make_unbound_netns(&fd); !error.empty()) {
        std::fprintf(stderr, "berth-bench: unbound container namespace %d: %s\n", i, error.c_str());
        return 1;
      }
      netns.unbound.push_back(fd);
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
  // Each round runs every suite back to back; the suite that goes first rotates.
  std::vector<RawSample> raw;
  for (int r = 0; r < o.rounds; ++r) {
    std::vector<Suite*> round_order = order;
    std::rotate(round_order.begin(), round_order.begin() + (size_t(r) % order.size()), round_order.end());
    run_round(round_order, o, netns, r, raw);
    malloc_trim(0);
  }

  ctx.load_after = load_average();
  malloc_trim(0);
  // After the runs, when the benchmark holds the most memory.
  measure_exec_floor("/bin/true", &ctx.floor_ms, &ctx.floor_rss_kb);
  if (o.floor) measure_exec_floor(o.bin + "/berth-bench-noop", &ctx.noop_ms, &ctx.noop_rss_kb);

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
  std::vector<const SuiteStats*> floor_stats;
  for (const auto& f : floors) floor_stats.push_back(&f.stats);
  print_report(stdout, ctx, berth.stats, ref.stats, floor_stats);
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
  app.add_flag("!--no-floor", o.floor,
               "skip the floors (berth-bench-floor: one attachment in two rtnetlink batches, three variants)");
  app.footer("Example: sudo build/bin/berth-bench --count 1000");
  CLI11_PARSE(app, argc, argv);
  // CNI_PATH entries must not depend on the plugin's working directory.
  o.bin = berth::bench::absolute_dir(o.bin);
  o.ref_dir = berth::bench::absolute_dir(o.ref_dir);
  return berth::bench::run(o);
}
