// berth-bench-runtime: `berth run --rm busybox true` end to end against `podman run --rm`
// with its CNI backend (Debian's podman, runc, the reference plugins in /usr/lib/cni) on
// the same busybox-static rootfs, for --net none, host and the default bridge, in one run.
// A benchmark, never a CTest test. Everything happens inside a throwaway network + mount
// namespace with its state on a tmpfs; nothing of it outlives the process.
#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "bench/report.h"
#include "bench/spawn.h"

namespace fs = std::filesystem;
using namespace berth::bench;

extern char** environ;

namespace {

struct Options {
  int count = 20;
  std::string bin;  // where berth is
  std::string work = "/tmp/berth-bench-runtime";
};

// A private network + mount namespace, tmpfs over every state directory either runtime
// uses by default and over the work directory. /sys and its cgroup mounts stay as they are.
std::string become_throwaway_host(const std::string& work) {
  if (unshare(CLONE_NEWNET | CLONE_NEWNS) != 0)
    return std::string("unshare: ") + std::strerror(errno);
  if (mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
    return "make / rprivate failed";
  for (const std::string& dir : {std::string("/var/lib/cni"), std::string("/run/berth"),
                                 std::string("/var/lib/berth"), std::string("/run/netns"), work}) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (mount("tmpfs", dir.c_str(), "tmpfs", 0, "mode=0755") != 0)
      return "tmpfs on " + dir + ": " + std::strerror(errno);
  }
  return "";
}

std::vector<std::string> environment() {
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) env.emplace_back(*e);
  return env;
}

Exec must(const std::vector<std::string>& args, const std::vector<std::string>& env) {
  Exec r = spawn_argv(args, env);
  if (r.exit_code != 0) {
    std::string cmd;
    for (const auto& a : args) cmd += a + " ";
    std::fprintf(stderr, "berth-bench-runtime: `%s` failed (%d):\n%s%s\n", cmd.c_str(), r.exit_code,
                 r.out.c_str(), r.err.c_str());
    std::exit(1);
  }
  return r;
}

// podman's side: its CNI backend with a conflist shaped like the default one it writes
// (bridge + host-local, portmap, firewall, tuning), runc, cgroupfs, state under `dir`.
struct Podman {
  std::string dir;
  std::vector<std::string> env;

  std::vector<std::string> cmd(std::vector<std::string> args) const {
    std::vector<std::string> c = {"/usr/bin/podman", "--root",           dir + "/root",
                                  "--runroot",       dir + "/runroot",   "--tmpdir",
                                  dir + "/tmp",      "--storage-driver", "overlay"};
    c.insert(c.end(), args.begin(), args.end());
    return c;
  }

  void setup() {
    for (const char* d : {"/net.d", "/tmp", "/rootfs/bin"}) fs::create_directories(dir + d);
    std::ofstream(dir + "/containers.conf")
        << "[network]\nnetwork_backend = \"cni\"\ncni_plugin_dirs = [\"/usr/lib/cni\"]\n"
        << "network_config_dir = \"" << dir << "/net.d\"\n"
        << "[engine]\nruntime = \"runc\"\ncgroup_manager = \"cgroupfs\"\nevents_logger = "
           "\"none\"\n";
    std::ofstream(dir + "/net.d/podman.conflist")
        << R"({"cniVersion": "0.4.0", "name": "podman", "plugins": [
  {"type": "bridge", "bridge": "cni-podman0", "isGateway": true, "ipMasq": true, "hairpinMode": true,
   "ipam": {"type": "host-local", "routes": [{"dst": "0.0.0.0/0"}],
            "ranges": [[{"subnet": "10.88.0.0/16", "gateway": "10.88.0.1"}]]}},
  {"type": "portmap", "capabilities": {"portMappings": true}},
  {"type": "firewall"}, {"type": "tuning"}]})";
    env.push_back("CONTAINERS_CONF=" + dir + "/containers.conf");
    // The same busybox-static berth's default image is built from, imported as an image.
    fs::copy_file("/bin/busybox", dir + "/rootfs/bin/busybox");
    for (const char* applet : {"sh", "true"})
      fs::create_symlink("busybox", dir + "/rootfs/bin/" + applet);
    must({"/bin/tar", "-C", dir + "/rootfs", "-cf", dir + "/rootfs.tar", "."}, env);
    must(cmd({"import", dir + "/rootfs.tar", "localhost/busybox"}), env);
  }
};

const char* kModes[] = {"none", "host", "bridge"};

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{
      "berth-bench-runtime: `berth run --rm busybox true` against `podman run --rm` (CNI backend)"};
  app.add_option("-n,--count", o.count, "timed runs per runtime and network mode")
      ->check(CLI::Range(1, 1000));
  app.add_option("--bin", o.bin, "where berth and its plugins are (default: next to this program)");
  CLI11_PARSE(app, argc, argv);
  if (o.bin.empty()) o.bin = fs::canonical("/proc/self/exe").parent_path();
  if (geteuid() != 0) {
    std::fprintf(stderr, "berth-bench-runtime: needs root (namespaces, cgroups, mounts)\n");
    return 2;
  }
  for (const char* tool : {"/usr/bin/podman", "/usr/sbin/runc", "/bin/busybox"})
    if (access(tool, X_OK) != 0) {
      std::fprintf(stderr,
                   "berth-bench-runtime: %s is missing (packages podman, runc, busybox-static)\n",
                   tool);
      return 2;
    }
  if (auto err = become_throwaway_host(o.work); !err.empty()) {
    std::fprintf(stderr, "berth-bench-runtime: %s\n", err.c_str());
    return 2;
  }
  auto env = environment();
  Podman podman{o.work + "/podman", env};
  podman.setup();
  std::vector<std::string> berth = {o.bin + "/berth", "--root", o.work + "/berth"};
  auto berth_run = [&](const std::string& mode) {
    auto c = berth;
    c.insert(c.end(), {"run", "--rm", "--net", mode, "busybox", "true"});
    return c;
  };
  auto podman_run = [&](const std::string& mode) {
    // podman copies the caller's rlimits into the container by default, which runc may not
    // raise again here (rlimit 7, NOFILE): give it explicit, modest ones.
    return podman.cmd({"run", "--rm", "--ulimit", "nproc=4096:4096", "--ulimit", "nofile=4096:4096",
                       "--network", mode == "bridge" ? "podman" : mode, "localhost/busybox",
                       "true"});
  };

  std::printf(
      "| network | berth p50 ms | podman p50 ms | ratio | berth p90 | podman p90 | target (≤ 0.10) "
      "|\n");
  std::printf("|---|---|---|---|---|---|---|\n");
  int missed = 0;
  for (const char* mode : kModes) {
    // Untimed: berth builds its busybox image and default network on first use; both
    // warm the page cache.
    for (int i = 0; i < 2; ++i) {
      must(berth_run(mode), podman.env);
      must(podman_run(mode), podman.env);
    }
    std::vector<double> b, p;
    for (int i = 0; i < o.count; ++i) {  // alternate, so load changes hit both alike
      b.push_back(must(berth_run(mode), podman.env).ms);
      p.push_back(must(podman_run(mode), podman.env).ms);
    }
    double bm = percentile(b, 50), pm = percentile(p, 50), ratio = bm / pm;
    bool met = ratio <= 0.10;
    missed += !met;
    std::printf("| %s | %.1f | %.1f | %.3f | %.1f | %.1f | %s |\n", mode, bm, pm, ratio,
                percentile(b, 90), percentile(p, 90), met ? "met" : "not met");
  }
  std::ifstream load("/proc/loadavg");
  std::string l1, l5, l15;
  load >> l1 >> l5 >> l15;
  std::printf("\n%d runs each, alternating; load average after: %s %s %s\n", o.count, l1.c_str(),
              l5.c_str(), l15.c_str());
  return missed ? 3 : 0;
}
