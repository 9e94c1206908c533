// berth as podman's CNI backend (Debian's podman 4.3, network_backend = "cni"): real
// containers from a busybox-static rootfs, state in the test's temp dir, inside the
// test's private "host". Skipped when podman, runc or busybox-static is missing.
#include <fstream>

#include <catch2/catch.hpp>

#include "tests/netns/modes_helpers.h"

using namespace berth::test;

namespace {

struct Podman {
  std::string dir = temp_dir();
  std::string cmd;

  // Returns false (with a warning) when podman cannot run here.
  bool setup() {
    for (const char* tool : {"podman", "runc"})
      if (sh(std::string("command -v ") + tool).empty()) {
        WARN(tool << " is not installed (Debian packages podman, runc): skipped");
        return false;
      }
    if (access("/bin/busybox", X_OK) != 0) {
      WARN("busybox-static is not installed: skipped");
      return false;
    }
    // podman bind-mounts network namespaces under /run/netns: keep them in this test.
    sh("mkdir -p /run/netns && mount -t tmpfs tmpfs /run/netns");
    sh("mkdir -p " + dir + "/bin " + dir + "/net.d " + dir + "/rootfs/bin " + dir + "/tmp");
    sh("ln -s " + bin_dir() + "/* " + dir + "/bin/ && ln -s " + bin_dir() + "/berth-none " + dir + "/bin/loopback");
    if (have_reference("portmap")) sh("ln -s " + ref("portmap") + " " + dir + "/bin/portmap");
    std::ofstream(dir + "/containers.conf") << "[network]\nnetwork_backend = \"cni\"\ncni_plugin_dirs = [\"" << dir
                                            << "/bin\"]\nnetwork_config_dir = \"" << dir
                                            << "/net.d\"\n[engine]\nruntime = \"runc\"\ncgroup_manager = \"cgroupfs\"\n"
                                               "events_logger = \"file\"\n";
    sh("cp /bin/busybox " + dir + "/rootfs/bin/ && for c in sh ip cat echo httpd sleep; do ln -s busybox " + dir +
       "/rootfs/bin/$c; done && tar -C " + dir + "/rootfs -cf " + dir + "/rootfs.tar .");
    cmd = "CONTAINERS_CONF=" + dir + "/containers.conf podman --root " + dir + "/root --runroot " + dir +
          "/runroot --tmpdir " + dir + "/tmp --storage-driver vfs ";
    int rc = 1;
    auto out = sh(cmd + "import " + dir + "/rootfs.tar localhost/bb 2>&1", &rc);
    INFO(out);
    REQUIRE(rc == 0);
    return true;
  }
  void conflist(const json& list) {
    std::ofstream(dir + "/net.d/" + list["name"].get<std::string>() + ".conflist") << list.dump(2);
  }
  std::string run(const std::string& args, int* rc) {
    return sh(cmd + "run --ulimit nproc=4096:4096 --ulimit nofile=4096:4096 " + args + " 2>&1", rc);
  }
};

}  // namespace

TEST_CASE("podman: containers on berth-bridge and berth-ptp networks, a published port, none") {
  Podman p;
  if (!p.setup()) return;
  json plugins = {{{"type", "berth-bridge"}, {"bridge", "berth0"}, {"isGateway", true}, {"isDefaultGateway", true},
                   {"ipMasq", true}, {"ipam", {{"type", "berth-ipam"}, {"subnet", "10.150.0.0/24"}}}}};
  bool portmap = have_reference("portmap");
  if (portmap) plugins.push_back({{"type", "portmap"}, {"capabilities", {{"portMappings", true}}}});
  p.conflist({{"cniVersion", "1.0.0"}, {"name", "berth"}, {"plugins", plugins}});
  json ptp_ipam = {{"type", "berth-ipam"}, {"subnet", "10.151.0.0/24"}, {"routes", {{{"dst", "0.0.0.0/0"}}}}};
  json ptp = {{"type", "berth-ptp"}, {"ipam", ptp_ipam}};
  p.conflist({{"cniVersion", "1.0.0"}, {"name", "bptp"}, {"plugins", json::array({ptp})}});
  int rc = 1;
  auto out = p.run("--rm --network berth localhost/bb ip -o addr show eth0", &rc);
  INFO(out);
  REQUIRE(rc == 0);
  REQUIRE(contains(out, "inet 10.150.0.2/24"));
  out = p.run("--rm --network bptp localhost/bb ip route", &rc);
  INFO(out);
  REQUIRE(rc == 0);
  REQUIRE(contains(out, "default via 10.151.0.1 dev eth0"));
  out = p.run("--rm --network none localhost/bb ip -o link", &rc);
  REQUIRE(rc == 0);
  REQUIRE(contains(out, "lo: <LOOPBACK,UP"));
  if (portmap) {
    out = p.run("-d --name web --network berth -p 18081:80 localhost/bb sh -c "
                "'echo hello > /index.html && exec httpd -f -p 80 -h /'",
                &rc);
    INFO(out);
    REQUIRE(rc == 0);
    std::string got;
    for (int i = 0; i < 20 && got != "hello"; ++i) {
      got = sh("timeout 5 busybox wget -q -O - http://10.150.0.1:18081/ 2>/dev/null | tr -d '\\n'");
      if (got != "hello") usleep(100000);
    }
    REQUIRE(got == "hello");
    sh(p.cmd + "rm -f -t 0 web 2>&1");
  }
  // Every container is gone: no veth, no lease, no rule left.
  REQUIRE(sh("ip -o link show type veth").empty());
  REQUIRE(leases("berth") + leases("bptp") == 0);
}
