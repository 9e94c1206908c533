// A simulated node's private containerd (Debian's 1.6 package) with its CRI plugin, the
// way a Kubernetes node runs it: the kubelet's side is cri_client.py (runtime.v1 over
// containerd's gRPC socket), the network side berth's plugins from a CNI bin dir and one
// conflist. Everything it makes lives in a temporary directory of the test's private
// /tmp and in tmpfs mounts of the test's own mount namespace; the destructor stops and
// removes every sandbox, kills containerd and whatever it left, and unmounts and removes
// it all, whether the test passed or not.
#pragma once

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "runtime/image/store.h"
#include "tests/netns/fixture.h"

#ifndef BERTH_CRI_DIR
#error "BERTH_CRI_DIR (tests/netns/cri in the source tree) must be defined"
#endif

namespace berth::test::cri {

using nlohmann::json;

// Debian's own interpreter: the pyenv python3 first in PATH has no python3-grpcio.
inline constexpr const char* kPython = "/usr/bin/python3";
inline const std::string kSandboxImage = "berth.test/pause:1";

// Why containerd cannot run here ("" when it can): the packages scripts/setup.sh installs.
inline std::string missing_tools() {
  for (const char* bin : {"/usr/bin/containerd", "/usr/bin/ctr", "/usr/bin/containerd-shim-runc-v2",
                          "/usr/bin/protoc", "/usr/bin/grpc_python_plugin", kPython})
    if (access(bin, X_OK) != 0) return std::string(bin) + " is missing";
  if (sh("command -v runc").empty()) return "runc is missing";
  int rc = 1;
  sh(std::string(kPython) + " -c 'import grpc, google.protobuf' 2>/dev/null", &rc);
  if (rc != 0) return "python3-grpcio / python3-protobuf are missing";
  return "";
}

// overlayfs when the kernel has it (the snapshotter a node uses), else the native one.
inline std::string snapshotter() {
  return sh("grep -qw overlay /proc/filesystems && echo overlayfs || echo native") == "overlayfs\n" ? "overlayfs"
                                                                                                  : "native";
}

// The sandbox ("pause") image as a docker-archive tarball under `dir`: one layer, the
// rootfs of berth's own busybox image, whose entrypoint sleeps until the sandbox is
// killed (containerd stops a sandbox with SIGKILL).
inline std::string build_pause_image(const std::string& dir) {
  const std::string rootfs = dir + "/rootfs", img = dir + "/image";
  sh("mkdir -p " + rootfs + " " + img);
  auto built = berth::runtime::build_busybox_rootfs(rootfs);
  INFO((built ? std::string() : built.error().what()));
  REQUIRE(built);
  int rc = 1;
  sh("tar --numeric-owner -C " + rootfs + " -cf " + img + "/layer.tar .", &rc);
  REQUIRE(rc == 0);
  const std::string diff = sh("sha256sum " + img + "/layer.tar | cut -d' ' -f1");
  json config{{"architecture", "amd64"},
              {"os", "linux"},
              {"config", {{"Entrypoint", {"/bin/sleep", "2147483647"}}, {"WorkingDir", "/"}}},
              {"rootfs", {{"type", "layers"}, {"diff_ids", {"sha256:" + diff.substr(0, 64)}}}}};
  std::ofstream(img + "/config.json") << config.dump();
  json manifest = json::array({{{"Config", "config.json"}, {"RepoTags", {kSandboxImage}}, {"Layers", {"layer.tar"}}}});
  std::ofstream(img + "/manifest.json") << manifest.dump();
  const std::string tarball = dir + "/pause.tar";
  sh("tar -C " + img + " -cf " + tarball + " manifest.json config.json layer.tar && rm -rf " + rootfs, &rc);
  REQUIRE(rc == 0);
  return tarball;
}

class Containerd {
 public:
  // containerd's version-2 config for a node whose CNI plugins are in `cni_bin` and whose
  // one conflist is in `cni_conf`.
  static std::string config(const std::string& dir, const std::string& cni_bin, const std::string& cni_conf) {
    std::ostringstream t;
    t << "version = 2\n"
      << "root = \"" << dir << "/root\"\n"
      << "state = \"" << dir << "/state\"\n"
      // Nothing the node does not need: no other snapshotters, no tracing.
      << "disabled_plugins = [\"io.containerd.snapshotter.v1.aufs\", \"io.containerd.snapshotter.v1.btrfs\", "
         "\"io.containerd.snapshotter.v1.zfs\", \"io.containerd.snapshotter.v1.devmapper\", "
         "\"io.containerd.tracing.processor.v1.otlp\", \"io.containerd.internal.v1.tracing\"]\n"
      << "[grpc]\n  address = \"" << dir << "/containerd.sock\"\n"
      << "[plugins.\"io.containerd.internal.v1.opt\"]\n  path = \"" << dir << "/opt\"\n"
      << "[plugins.\"io.containerd.grpc.v1.cri\"]\n"
      << "  sandbox_image = \"" << kSandboxImage << "\"\n"
      << "  disable_apparmor = true\n"
      // runc would set the sandbox's oom_score_adj to -998, which a test machine that is
      // itself a container may refuse (EACCES): keep it no lower than containerd's own.
      << "  restrict_oom_score_adj = true\n"
      // The pods' netns files under the state dir, not the shared /var/run/netns.
      << "  netns_mounts_under_state_dir = true\n"
      << "  [plugins.\"io.containerd.grpc.v1.cri\".cni]\n"
      << "    bin_dir = \"" << cni_bin << "\"\n"
      << "    conf_dir = \"" << cni_conf << "\"\n"
      << "    max_conf_num = 1\n"
      << "  [plugins.\"io.containerd.grpc.v1.cri\".containerd]\n"
      << "    snapshotter = \"" << snapshotter() << "\"\n"
      << "    default_runtime_name = \"runc\"\n"
      << "    [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc]\n"
      << "      runtime_type = \"io.containerd.runc.v2\"\n"
      << "      [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc.options]\n"
      // cgroupfs: the machine's cgroups are v1 (hybrid), with no systemd to ask.
      << "        SystemdCgroup = false\n";
    return t.str();
  }

  Containerd() : dir_(temp_dir()), cgroup_parent_("/berth-cri-" + std::to_string(getpid())) {}
  ~Containerd() { cleanup(); }
  Containerd(const Containerd&) = delete;
  Containerd& operator=(const Containerd&) = delete;

  // Starts containerd inside the node's network namespace `node_ns` (in the test's mount
  // namespace) and imports the sandbox image; returns once it answers. (Not the
  // constructor: a failed REQUIRE here must still reach the destructor.)
  void start(const std::string& node_ns, const std::string& cni_bin, const std::string& cni_conf) {
    // The runc shim puts its sockets under /run/containerd/s and runc its state under
    // /run/containerd/runc whatever the config says: a tmpfs of this mount namespace.
    sh("mkdir -p /run/containerd && mount -t tmpfs -o mode=0711 tmpfs /run/containerd");
    run_mounted_ = true;
    sh("mkdir -p " + dir_ + "/root " + dir_ + "/state " + dir_ + "/logs");
    std::ofstream(dir_ + "/config.toml") << config(dir_, cni_bin, cni_conf);
    const std::string image = build_pause_image(dir_ + "/pause");
    pid_ = std::stoi(sh("nsenter --net=" + node_ns + " /usr/bin/containerd --config " + dir_ + "/config.toml >>" +
                        log() + " 2>&1 & echo $!"));
    int rc = 1;
    for (int i = 0; i < 100; ++i) {
      sh(ctr("version") + " >/dev/null 2>&1", &rc);
      if (rc == 0) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    INFO(sh("tail -20 " + log()));
    REQUIRE(rc == 0);
    auto out = sh(ctr("images import " + image) + " 2>&1", &rc);
    INFO(out);
    REQUIRE(rc == 0);
  }

  [[nodiscard]] std::string socket() const { return dir_ + "/containerd.sock"; }
  [[nodiscard]] std::string log() const { return dir_ + "/containerd.log"; }
  [[nodiscard]] std::string state_dir() const { return dir_ + "/state"; }
  [[nodiscard]] std::string log_dir() const { return dir_ + "/logs"; }
  [[nodiscard]] const std::string& cgroup_parent() const { return cgroup_parent_; }
  [[nodiscard]] int pid() const { return pid_; }

  // `ctr` against this containerd, in the CRI's namespace.
  [[nodiscard]] std::string ctr(const std::string& args) const {
    return "/usr/bin/ctr --address " + socket() + " -n k8s.io " + args;
  }

  // One CRI call through cri_client.py; its JSON reply, or null with `rc` != 0 and the
  // runtime's message in `err`.
  json cri(const std::string& args, int* rc = nullptr, std::string* err = nullptr) const {
    const std::string err_file = dir_ + "/cri.err";
    int status = 1;
    auto out = sh(std::string(kPython) + " " BERTH_CRI_DIR "/cri_client.py --address unix://" + socket() +
                      " --gen " + dir_ + "/gen " + args + " 2>" + err_file,
                  &status);
    if (rc) *rc = status;
    if (err) *err = sh("cat " + err_file);
    if (status != 0) return nullptr;
    return json::parse(out, nullptr, false);
  }

 private:
  static bool alive(int pid) { return pid > 0 && kill(pid, 0) == 0; }

  void cleanup() {
    // As a node drain would: every sandbox stopped and removed (their CNI DELs run).
    if (alive(pid_)) cri("--timeout 20 cleanup");
    if (alive(pid_)) {
      kill(pid_, SIGTERM);
      for (int i = 0; i < 50 && alive(pid_); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      if (alive(pid_)) kill(pid_, SIGKILL);
    }
    // Whatever outlived containerd, by pid: its shims (started with this socket's
    // address), and the processes left in the sandboxes' cgroups.
    sh("for p in $(grep -l -a -F '" + socket() + "' /proc/[0-9]*/cmdline 2>/dev/null | cut -d/ -f3); do "
       "[ \"$p\" != $$ ] && kill -9 $p; done 2>/dev/null; "
       "for f in $(find /sys/fs/cgroup/*" + cgroup_parent_ + " -name cgroup.procs 2>/dev/null); do "
       "for p in $(cat $f); do kill -9 $p; done; done 2>/dev/null; true");
    for (int i = 0; i < 20; ++i) {
      sh("find /sys/fs/cgroup/*" + cgroup_parent_ + " -depth -type d -exec rmdir {} \\; 2>/dev/null");
      if (sh("ls -d /sys/fs/cgroup/*" + cgroup_parent_ + " 2>/dev/null").empty()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    // Its mounts (rootfs snapshots, netns files, the sandboxes' /dev/shm), deepest first.
    sh("awk '{print $5}' /proc/self/mountinfo | grep -e '^" + dir_ + "/' | sort -r | xargs -r umount -l 2>/dev/null");
    if (run_mounted_) sh("umount -l /run/containerd 2>/dev/null");
    sh("rm -rf " + dir_);
  }

  std::string dir_;
  std::string cgroup_parent_;
  int pid_ = -1;
  bool run_mounted_ = false;
};

}  // namespace berth::test::cri
