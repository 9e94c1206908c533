// berth-bench-ports: port publishing, berth-bridge against the reference bridge +
// host-local -> portmap chain, in one run inside a throwaway host (see README.md):
//   1. ADD and DEL of N containers with one mapping each, both chains interleaved;
//   0. the first ADD on the host (cold: no bridge, no table) of one container with 500
//      mappings;
//   2. ADD of one container with 500 mappings, 10 containers on the bridge;
//   3. berth ADD of 1 and of 10 mappings with 10,000 mappings installed vs none;
//   4. connect + first byte through DNAT (10,000 mappings installed) vs straight;
//   5. iperf3 throughput to the published port vs straight to the container.
#include <malloc.h>
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdarg>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "bench/ports_chain.h"
#include "bench/ports_net.h"
#include "bench/ports_report.h"
#include "bench/report.h"
#include "bench/sandbox.h"
#include "bench/spawn.h"

namespace berth::bench {
namespace {

namespace fs = std::filesystem;

constexpr const char* kNetnsDir = "/run/berth/bench-netns";  // on the private tmpfs
constexpr const char* kBerthSubnet = "10.201.0.0/16";
constexpr const char* kRefSubnet = "10.202.0.0/16";
// Host port plan; the two chains' ranges never overlap, so both can be live at once.
constexpr int kBerthOnePort = 20000, kRefOnePort = 30000;    // phase 1: one per container
constexpr int kBerthManyPort = 40000, kRefManyPort = 41000;  // phase 2
constexpr int kBerthColdPort = 30000, kRefColdPort = 31000;  // phase 0 (before phase 1)
constexpr int kBusyContainers = 10;                          // phase 2: on the bridge already
constexpr int kFillerPort = 20000;  // phase 3: fillers x per-filler mappings from here
constexpr int kProbePort = 8100;    // phase 3: the probe's 1 or 10 mappings
constexpr int kServerPort = 8080, kIperfPort = 5201;  // phases 4 and 5

struct Options {
  int count = 100;
  int many = 500;
  int fillers = 20;
  int per_filler = 500;
  int probe_reps = 15;
  int connections = 2000;
  int iperf_seconds = 3;
  int iperf_runs = 4;  // throughput swings run to run on a shared machine; alternate and average
  std::string bin;
  std::string ref_dir = "/usr/lib/cni";
};

std::string load_average() {
  std::ifstream f("/proc/loadavg");
  std::string one, five, fifteen;
  f >> one >> five >> fifteen;
  return one + " " + five + " " + fifteen;
}

// Progress on stderr; stdout carries only the report.
__attribute__((format(printf, 1, 2))) void say(const char* format, ...) {
  std::va_list args;
  va_start(args, format);
  std::fprintf(stderr, "berth-bench-ports: ");
  std::vfprintf(stderr, format, args);
  std::fprintf(stderr, "\n");
  va_end(args);
}

// Namespace files made up front, untimed: <prefix>1..<prefix>count.
std::vector<std::string> make_namespaces(const std::string& prefix, int count) {
  std::vector<std::string> out;
  for (int i = 1; i <= count; ++i) {
    out.push_back(std::string(kNetnsDir) + "/" + prefix + std::to_string(i));
    if (auto error = make_netns(out.back()); !error.empty()) {
      say("namespace %s: %s", out.back().c_str(), error.c_str());
      std::exit(1);
    }
  }
  return out;
}

// The IPv4 address of the first IP of a CNI result, without its prefix length.
std::string first_ipv4(const std::string& result) {
  auto j = nlohmann::json::parse(result);
  for (const auto& ip : j.value("ips", nlohmann::json::array())) {
    std::string a = ip.value("address", "");
    if (a.find(':') == std::string::npos) return a.substr(0, a.find('/'));
  }
  return "";
}

// 1. One mapping per container, the two chains alternating container by container (and
// which goes first alternating too), so slow drift in machine load hits both alike.
void one_mapping_each(const Chain& berth, const Chain& ref, const Options& o,
                      const std::vector<std::string>& b_ns, const std::vector<std::string>& r_ns,
                      PortsFigures& f) {
  std::vector<std::string> b_res(size_t(o.count)), r_res(size_t(o.count));
  auto ports = [](int base, int i) { return std::vector<PortMapping>{{base + i, 80, "tcp"}}; };
  for (int i = 0; i < o.count; ++i) {
    const std::string id = "one-" + std::to_string(i + 1);
    for (int k : {i % 2, 1 - i % 2}) {
      if (k == 0) {
        auto r = berth.add(id, b_ns[size_t(i)], ports(kBerthOnePort, i));
        f.berth_add.push_back(r.ms);
        b_res[size_t(i)] = r.result;
      } else {
        auto r = ref.add(id, r_ns[size_t(i)], ports(kRefOnePort, i));
        f.ref_add.push_back(r.ms);
        r_res[size_t(i)] = r.result;
      }
    }
  }
  for (int i = 0; i < o.count; ++i) {
    const std::string id = "one-" + std::to_string(i + 1);
    for (int k : {i % 2, 1 - i % 2}) {
      if (k == 0)
        f.berth_del.push_back(
            berth.del(id, b_ns[size_t(i)], ports(kBerthOnePort, i), b_res[size_t(i)]).ms);
      else
        f.ref_del.push_back(
            ref.del(id, r_ns[size_t(i)], ports(kRefOnePort, i), r_res[size_t(i)]).ms);
    }
  }
}

// `count` TCP mappings host_port_base + i -> 80 (issue 14's user: 30000-30499 -> 80/tcp).
std::vector<PortMapping> to_port_80(int count, int host_port_base) {
  auto ports = tcp_ports(count, host_port_base, 0);
  for (auto& p : ports) p.container_port = 80;
  return ports;
}

// 0. The user's case from cold: the first ADD on the host, with many mappings, before any
// bridge, nftables table or iptables chain exists (what a user times after boot). Once per
// run and chain: only the first ADD is cold.
void many_mappings_cold(const Chain& berth, const Chain& ref, const Options& o,
                        const std::string& b_ns, const std::string& r_ns, PortsFigures& f) {
  const auto b_ports = to_port_80(o.many, kBerthColdPort), r_ports = to_port_80(o.many, kRefColdPort);
  auto b = berth.add("cold", b_ns, b_ports);
  f.berth_add_many_cold.push_back(b.ms);
  berth.del("cold", b_ns, b_ports, b.result);
  auto r = ref.add("cold", r_ns, r_ports);
  f.ref_add_many_cold.push_back(r.ms);
  ref.del("cold", r_ns, r_ports, r.result);
}

// 2. One container with many mappings while `busy` containers (no mappings) are on the
// bridge: berth several times, the reference once per round (about 25 ms per mapping: one
// iptables exec per rule).
void many_mappings(const Chain& berth, const Chain& ref, const Options& o, const std::string& b_ns,
                   const std::string& r_ns, const std::vector<std::string>& b_busy,
                   const std::vector<std::string>& r_busy, PortsFigures& f) {
  std::vector<std::string> b_busy_res, r_busy_res;
  for (size_t i = 0; i < b_busy.size(); ++i) {
    b_busy_res.push_back(berth.add("busy" + std::to_string(i), b_busy[i], {}).result);
    r_busy_res.push_back(ref.add("busy" + std::to_string(i), r_busy[i], {}).result);
  }
  const auto b_ports = to_port_80(o.many, kBerthManyPort), r_ports = to_port_80(o.many, kRefManyPort);
  for (int rep = 0; rep < 5; ++rep) {
    auto r = berth.add("many", b_ns, b_ports);
    f.berth_add_many.push_back(r.ms);
    f.berth_del_many.push_back(berth.del("many", b_ns, b_ports, r.result).ms);
  }
  auto r = ref.add("many", r_ns, r_ports);
  f.ref_add_many.push_back(r.ms);
  f.ref_del_many.push_back(ref.del("many", r_ns, r_ports, r.result).ms);
  for (size_t i = 0; i < b_busy.size(); ++i) {
    berth.del("busy" + std::to_string(i), b_busy[i], {}, b_busy_res[i]);
    ref.del("busy" + std::to_string(i), r_busy[i], {}, r_busy_res[i]);
  }
}

// 3. The probe's ADD (0, 1 and 10 mappings in turn) over filler containers that hold
// no mappings, then `fillers x per_filler` mappings, twice over. The same containers in
// both states keep the bridge's size out of the comparison. Leaves the mappings installed.
void add_with_installed(const Chain& berth, const Options& o,
                        const std::vector<std::string>& filler_ns, const std::string& probe_ns,
                        PortsFigures& f) {
  std::vector<std::string> results(filler_ns.size());
  for (int round = 0; round < 4; ++round) {
    const bool full = round % 2 == 1;
    for (size_t i = 0; i < filler_ns.size(); ++i) {
      const std::string id = "filler-" + std::to_string(i + 1);
      if (!results[i].empty()) berth.del(id, filler_ns[i], {}, results[i]);
      auto ports = full ? tcp_ports(o.per_filler, kFillerPort + int(i) * o.per_filler, 1)
                        : std::vector<PortMapping>{};
      results[i] = berth.add(id, filler_ns[i], ports).result;
    }
    say("  phase 3, round %d: %d mappings installed", round + 1,
        full ? o.fillers * o.per_filler : 0);
    for (int rep = 0; rep < o.probe_reps; ++rep) {
      for (int n : {0, 1, 10}) {
        const auto ports = tcp_ports(n, kProbePort, 80);
        auto r = berth.add("probe", probe_ns, ports);
        auto& series = n == 0   ? (full ? f.add0_full : f.add0_empty)
                       : n == 1 ? (full ? f.add1_full : f.add1_empty)
                                : (full ? f.add10_full : f.add10_empty);
        series.push_back(r.ms);
        const double del_ms = berth.del("probe", probe_ns, ports, r.result).ms;
        if (n == 1) (full ? f.del1_full : f.del1_empty).push_back(del_ms);
      }
    }
  }
}

// 4 and 5: a server container publishing kServerPort -> 80 and kIperfPort -> kIperfPort,
// reached from the outside namespace through the host address and straight.
void traffic(const Chain& berth, const Options& o, const std::string& server_ns,
             const std::string& outside_ns, PortsFigures& f) {
  const std::vector<PortMapping> ports = {{kServerPort, 80, "tcp"},
                                          {kIperfPort, kIperfPort, "tcp"}};
  const std::string ctr = first_ipv4(berth.add("server", server_ns, ports).result);
  const std::vector<Target> targets = {{kHostAddr, kServerPort}, {ctr, 80}};
  std::vector<std::vector<double>> samples;
  // Warm-up: first connections fill neighbour tables and caches; not counted.
  if (auto e = tcp_round_trips(server_ns, 80, outside_ns, targets, 50, samples); !e.empty()) {
    say("round trips: %s", e.c_str());
    std::exit(1);
  }
  if (auto e = tcp_round_trips(server_ns, 80, outside_ns, targets, o.connections, samples);
      !e.empty()) {
    say("round trips: %s", e.c_str());
    std::exit(1);
  }
  f.rtt_dnat = samples[0];
  f.rtt_direct = samples[1];
  say("  phase 4: %d connections to each target done", o.connections);

  for (int run = 0; run < o.iperf_runs; ++run) {
    for (bool published : {run % 2 == 1, run % 2 == 0}) {
      std::string error;
      Target t = published ? Target{kHostAddr, kIperfPort} : Target{ctr, kIperfPort};
      double bps =
          iperf3_bits_per_second(server_ns, kIperfPort, outside_ns, t, o.iperf_seconds, error);
      if (bps < 0) {
        say("iperf3 to %s:%d: %s", t.addr.c_str(), t.port, error.c_str());
        std::exit(1);
      }
      (published ? f.iperf_published : f.iperf_direct).push_back(bps);
      say("  phase 5: %s %s %.2f Gbit/s", published ? "published" : "straight", t.addr.c_str(),
          bps / 1e9);
    }
  }
}

double spawn_floor() {
  std::vector<double> times;
  for (int i = 0; i < 21; ++i) times.push_back(spawn("/bin/true", {"PATH=/usr/bin:/bin"}, "").ms);
  return percentile(times, 50);
}

int run(const Options& o) {
  if (geteuid() != 0) {
    std::fprintf(
        stderr,
        "berth-bench-ports: must run as root (it works inside a private namespace that vanishes "
        "on exit). Try: sudo chrt -f 10 build/bin/berth-bench-ports\n");
    return 2;
  }
  for (const auto& path : {o.bin + "/berth-bridge", o.bin + "/berth-ipam", o.ref_dir + "/bridge",
                           o.ref_dir + "/host-local", o.ref_dir + "/portmap"}) {
    if (access(path.c_str(), X_OK) != 0) {
      std::fprintf(stderr,
                   "berth-bench-ports: %s is missing or not executable (see --bin, --ref-dir)\n",
                   path.c_str());
      return 2;
    }
  }
  signal(SIGPIPE, SIG_IGN);
  if (auto error = become_throwaway_host(); !error.empty()) {
    say("cannot set up the throwaway host: %s", error.c_str());
    return 1;
  }
  std::error_code ec;
  fs::create_directories(kNetnsDir, ec);
  say("creating %d namespaces...", 2 * o.count + 2 * kBusyContainers + o.fillers + 3);
  const auto b_ns = make_namespaces("b", o.count), r_ns = make_namespaces("r", o.count);
  const auto b_busy = make_namespaces("bb", kBusyContainers),
             r_busy = make_namespaces("rb", kBusyContainers);
  const auto filler_ns = make_namespaces("f", o.fillers);
  const auto extra = make_namespaces("x", 3);  // probe, server, outside
  if (auto error = make_outside(extra[2], {kBerthSubnet, kRefSubnet}); !error.empty()) {
    say("outside namespace: %s", error.c_str());
    return 1;
  }

  const Chain berth = berth_chain(o.bin, "berthbr0", kBerthSubnet);
  const Chain ref = reference_chain(o.ref_dir, "referencebr0", kRefSubnet);
  PortsFigures f;
  f.containers = o.count;
  f.many = o.many;
  f.installed = o.fillers * o.per_filler;
  f.connections = o.connections;
  f.iperf_seconds = o.iperf_seconds;
  f.load_before = load_average();
  malloc_trim(0);

  f.busy = kBusyContainers;
  say("phase 0: the first ADD on the host, one container with %d mappings", o.many);
  many_mappings_cold(berth, ref, o, b_ns[0], r_ns[0], f);
  say("phase 1: %d containers with one mapping each, both chains", o.count);
  one_mapping_each(berth, ref, o, b_ns, r_ns, f);
  say("phase 2: one container with %d mappings, %d containers on the bridge", o.many,
      kBusyContainers);
  many_mappings(berth, ref, o, b_ns[0], r_ns[0], b_busy, r_busy, f);
  say("phase 3: ADD with %d mappings installed vs none", f.installed);
  add_with_installed(berth, o, filler_ns, extra[0], f);
  say("phase 4 and 5: traffic from the outside namespace");
  traffic(berth, o, extra[1], extra[2], f);

  f.load_after = load_average();
  f.floor_ms = spawn_floor();
  std::fprintf(
      stdout,
      "berth:     %s/berth-bridge + berth-ipam\nreference: %s/bridge + host-local, then portmap\n",
      o.bin.c_str(), o.ref_dir.c_str());
  print_ports_report(stdout, f);
  return 0;
}

std::string absolute_dir(const std::string& dir) {
  fs::path p = fs::absolute(dir).lexically_normal();
  return (p.has_filename() ? p : p.parent_path()).string();
}

}  // namespace
}  // namespace berth::bench

int main(int argc, char** argv) {
  berth::bench::Options o;
  std::error_code ec;
  o.bin = std::filesystem::read_symlink("/proc/self/exe", ec).parent_path().string();
  CLI::App app{
      "berth-bench-ports: port publishing, berth-bridge vs bridge + host-local + portmap, inside a "
      "throwaway network namespace. Needs root."};
  app.add_option("-n,--count", o.count, "containers with one mapping each (phase 1)")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  app.add_option("--many", o.many, "mappings of the one container of phase 2")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  app.add_option("--fillers", o.fillers, "phase 3: containers holding the installed mappings")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  app.add_option("--per-filler", o.per_filler,
                 "phase 3: mappings of each filler (fillers x this <= 45000)")
      ->check(CLI::Range(1, 2000))
      ->capture_default_str();
  app.add_option("--probe-reps", o.probe_reps, "phase 3: probe ADDs per state and round")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  app.add_option("-c,--connections", o.connections, "phase 4: connections to each target")
      ->check(CLI::Range(10, 100000))
      ->capture_default_str();
  app.add_option("--iperf-seconds", o.iperf_seconds, "phase 5: length of each iperf3 run")
      ->check(CLI::Range(1, 60))
      ->capture_default_str();
  app.add_option("--iperf-runs", o.iperf_runs, "phase 5: iperf3 runs to each target")
      ->check(CLI::Range(1, 20))
      ->capture_default_str();
  app.add_option("--bin", o.bin,
                 "directory with berth-bridge and berth-ipam (default: this binary's)")
      ->check(CLI::ExistingDirectory);
  app.add_option("--ref-dir", o.ref_dir,
                 "directory with the reference bridge, host-local and portmap")
      ->check(CLI::ExistingDirectory)
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  if (o.fillers * o.per_filler > 45000) {
    std::fprintf(
        stderr,
        "berth-bench-ports: --fillers x --per-filler must stay <= 45000 (host ports 20000..)\n");
    return 2;
  }
  o.bin = berth::bench::absolute_dir(o.bin);
  o.ref_dir = berth::bench::absolute_dir(o.ref_dir);
  return berth::bench::run(o);
}
