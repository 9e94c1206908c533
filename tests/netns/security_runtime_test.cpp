// The security pass of issue 8, end to end: the built plugins and the `berth` runtime,
// run as a runtime and a user run them, in the test's throwaway host.
//
//  - Hostile names (`..`, `/abs`, `a/b`, NUL through JSON's \u0000, newline, 300 bytes)
//    from the environment, the config and the CLI: a CNI error JSON with the README's
//    code (or the runtime's exit status), and nothing written anywhere.
//  - Symlinks planted in state directories (an IPAM network directory, its index, a
//    lease; a container's directory in the runtime's store): refused, never followed;
//    what they point to stays exactly as it was.
//  - CNI_NETNS that is no namespace (a FIFO, a file, a directory, a device, a mount
//    namespace): 105 at once; the path is never opened for real before it is checked.
//  - Modes of everything the plugins and the runtime create, under umask 000.
//  - Containers: no module loading, no change to the host's network, no view of the
//    host's processes, Docker's capabilities, no_new_privs.
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "tests/netns/security_helpers.h"

using namespace berth::test;
using namespace berth::test::security;

TEST_CASE("security: the runtime's --root tree is private under umask 000", "[security][runtime]") {
  NoUmask no_umask;
  Berth berth;
  const std::string& r = berth.root();
  berth.ok("network create secnet");
  std::string id = berth.ok("run -d --name web --net secnet -v secvol:/data busybox sleep 1000");
  REQUIRE(id.size() == 64);
  berth.ok("run --rm busybox true");  // the default network, its conflist and leases
  const std::string c = r + "/containers/" + id;
  std::map<std::string, std::string> want = {
      {r, "700"},
      {r + "/containers", "700"},
      {c, "700"},
      {c + "/state.json", "600"},
      {c + "/lock", "600"},
      {c + "/container.log", "600"},
      {c + "/hosts", "644"},  // bind-mounted into the container, read by any user there
      {c + "/hostname", "644"},
      {c + "/resolv.conf", "644"},
      {c + "/upper", "755"},  // the container's `/`
      {c + "/work", "700"},
      {r + "/images", "700"},
      {r + "/images/busybox", "700"},
      {r + "/images/busybox/image.json", "644"},
      {r + "/images/busybox/rootfs", "755"},
      {r + "/images/.lock", "600"},
      {r + "/netns", "700"},
      {r + "/net", "700"},
      {r + "/net/networks.lock", "600"},
      {r + "/net.d", "755"},  // a CNI config directory other CNI tools read
      {r + "/net.d/secnet.conflist", "644"},
      {r + "/net.d/bridge.conflist", "644"},
      {r + "/cni", "700"},
      {r + "/cni/results", "700"},
      {r + "/cni/results/secnet-" + id + "-eth0", "600"},
      {r + "/ipam", "700"},
      {r + "/ipam/secnet", "700"},
      {r + "/ipam/secnet/attachments", "700"},
      {r + "/ipam/secnet/lock", "600"},
      {r + "/volumes", "700"},
      {r + "/volumes/secvol", "700"},
      {r + "/volumes/secvol/_data", "755"},  // the volume's root inside the container
      {r + "/containers.lock", "600"},
  };
  for (const auto& [path, mode] : want) {
    INFO(path);
    CHECK(octal(mode_of(path)) == mode);
  }
  // merged/ is covered by the container's mount; what is under it is the container's.
  // Outside the image's and the container's own files, nothing is writable by group or
  // others, and every directory and file has one of berth's modes.
  std::string loose = sh("find " + r + " -xdev \\( -path '" + r + "/images/*/rootfs' -o -path '" + r +
                         "/containers/*/upper' -o -path '" + r + "/containers/*/merged' -o -path '" +
                         r + "/containers/*/work/*' \\) -prune -o " +
                         "\\( -perm /022 ! -type l -print \\) -o " +
                         "\\( -type d ! -perm 700 ! -perm 755 -print \\) -o " +
                         "\\( -type f ! -perm 600 ! -perm 644 ! -path '" + r + "/netns/*' -print \\)");
  CHECK(loose.empty());
  berth.ok("rm -f web");
}

TEST_CASE("security: the runtime refuses hostile names and --root paths and creates nothing",
          "[security][runtime]") {
  Berth berth;
  const std::string temp = temp_dir();
  // The store, the image and the networks' lock exist; everything after must leave
  // them as they are.
  berth.ok("run --rm --net none busybox true");
  berth("network rm no-such-net");
  const std::string before = host_state(temp) + fingerprint(berth.root());
  const std::string nl = "\"$(printf 'a\\nb')\"";
  const std::string long_name = std::string(300, 'a');
  struct Case {
    std::string args;
    int rc;
    std::string says;
  } cases[] = {
      {"run --rm --name ../x busybox true", 125, "invalid container name"},
      {"run --rm --name a/b busybox true", 125, "invalid container name"},
      {"run --rm --name " + nl + " busybox true", 125, "invalid container name"},
      {"run --rm --name " + long_name + " busybox true", 125, "invalid container name"},
      {"run --rm ../x true", 125, "invalid image name"},
      {"run --rm /abs true", 125, "invalid image name"},
      {"run --rm busy/../box true", 125, "invalid image name"},
      {"run --rm " + nl + " true", 125, "invalid image name"},
      {"run --rm --net none -v ..:/x busybox true", 125, "invalid volume"},
      {"run --rm --net none -v .:/x busybox true", 125, "invalid volume"},
      {"run --rm --net none -v ../../x:/x busybox true", 125, "invalid volume"},
      {"run --rm --net none --hostname " + nl + " busybox true", 125, "invalid hostname"},
      {"run --rm --net none --hostname " + long_name + " busybox true", 125, "invalid hostname"},
      {"run --rm --network-alias \"$(printf 'x\\n10.0.0.1 evil')\" busybox true", 125,
       "invalid network alias"},
      {"network create ../x", 1, "invalid network name"},
      {"network create a/b", 1, "invalid network name"},
      {"network create " + nl, 1, "invalid network name"},
      {"network create " + long_name, 1, "invalid network name"},
      {"network create " + std::string(150, 'n'), 1, "too long"},
      {"network rm ../x", 1, ""},
      {"rm ../x", 1, "no such container"},
  };
  for (const auto& c : cases) {
    auto res = berth(c.args);
    INFO("berth " << c.args << "\nstderr: " << res.err);
    CHECK(res.rc == c.rc);
    CHECK(res.err.find(c.says) != std::string::npos);
  }
  // --root itself: refused before anything is made.
  const std::string base = temp + "/roots";
  for (std::string root :
       {base + "/r/../x", base + "/./x", base + "/r$(printf '\\nx')", base + "/r,x",
        base + "/r:x", base + "/" + std::string(1100, 'r')}) {
    int rc = -1;
    std::string err = sh(bin_dir() + "/berth --root \"" + root + "\" ps -a 2>&1 >/dev/null", &rc);
    INFO("--root " << show(root) << ": " << err);
    CHECK(rc == 125);
    CHECK(err.find("--root") != std::string::npos);
  }
  CHECK(sh("ls -A " + temp).empty());
  CHECK(host_state(temp) + fingerprint(berth.root()) == before);
}

TEST_CASE("security: a container's directory replaced by a symlink is never written through",
          "[security][runtime]") {
  Berth berth;
  const std::string elsewhere = temp_dir() + "/elsewhere";
  std::string id = berth.ok("create --name moved --net none busybox sh -c 'echo ran > /proof'");
  REQUIRE(id.size() == 64);
  const std::string dir = berth.root() + "/containers/" + id;
  sh("mv " + dir + " " + elsewhere + " && ln -s " + elsewhere + " " + dir);
  const std::string before = fingerprint(elsewhere);
  for (const char* verb : {"start -a ", "start ", "stop ", "kill ", "logs ", "inspect ", "rm ", "rm -f "}) {
    auto r = berth(verb + id);
    INFO("berth " << verb << id << "\nstderr: " << r.err);
    CHECK(r.rc != 0);
  }
  CHECK(berth.ok("ps -aq").empty());  // a symlink in the store is nobody's container
  CHECK(fingerprint(elsewhere) == before);
  CHECK(sh("readlink " + dir) == elsewhere + "\n");  // and berth did not remove it either
  // The store itself still works.
  CHECK(berth.ok("run --rm --net none busybox echo fine") == "fine");
}

TEST_CASE("security: network rm does not empty a lease directory planted as a symlink",
          "[security][runtime]") {
  Berth berth;
  const std::string victim = temp_dir() + "/victim";
  berth.ok("network create secnet");
  sh("mkdir -p " + victim + "/attachments " + berth.root() + "/ipam && echo precious > " + victim +
     "/lock && echo 10.9.9.9 > " + victim + "/last_reserved_ip.0 && ln -s " + victim + " " +
     berth.root() + "/ipam/secnet");
  const std::string before = fingerprint(victim);
  auto r = berth("network rm secnet");
  INFO(r.err);
  CHECK(fingerprint(victim) == before);
  CHECK(sh("readlink " + berth.root() + "/ipam/secnet") == victim + "\n");
}

TEST_CASE("security: a container cannot load a kernel module, change the host's network or see the host's processes",
          "[security][runtime]") {
  Berth berth;
  // A host process the container must not see.
  std::string host_pid = Berth::trim(sh("sleep 4321 >/dev/null 2>&1 & echo $!"));
  REQUIRE_FALSE(host_pid.empty());
  // Does this kernel load modules at all? Without CONFIG_MODULES init_module is ENOSYS
  // even for the host's root (junk is never loaded: at most "invalid module format").
  const std::string junk = temp_dir() + "/m.ko";
  std::string host_insmod = sh("echo junk > " + junk + "; busybox insmod " + junk + " 2>&1");
  const bool modules = host_insmod.find("not support") == std::string::npos;
  INFO("host insmod: " << host_insmod);
  for (const char* net : {"host", "none", "bridge"}) {
    INFO("--net " << net);
    auto r = berth(std::string("run --rm --net ") + net +
                   " busybox sh -c '"
                   "echo junk > /tmp/m.ko; insmod /tmp/m.ko 2>&1; echo insmod=$?; "
                   "ip link add sec0 type dummy 2>&1; echo link=$?; "
                   "ip addr add 10.254.0.1/32 dev lo 2>&1; echo addr=$?; "
                   "ip link set lo down 2>&1; echo down=$?; "
                   "echo pids: $(ls /proc | grep -E \"^[0-9]+$\"); "
                   "echo seen=$(ps -o args | grep -c \"^[s]leep 4321\"); "
                   "grep CapEff /proc/self/status'");
    INFO(r.out << r.err);
    REQUIRE(r.rc == 0);
    CHECK(r.out.find("insmod=0") == std::string::npos);
    // init_module checks CAP_SYS_MODULE before it reads the file: EPERM, not EINVAL.
    if (modules) CHECK(r.out.find("can't insert '/tmp/m.ko': Operation not permitted") != std::string::npos);
    // Whatever the kernel: no CAP_SYS_MODULE (16), CAP_NET_ADMIN (12) or CAP_SYS_ADMIN (21).
    auto eff = r.out.find("CapEff:");
    REQUIRE(eff != std::string::npos);
    uint64_t caps = std::stoull(r.out.substr(eff + 7), nullptr, 16);
    CHECK((caps & (1ull << 16)) == 0);
    CHECK((caps & (1ull << 12)) == 0);
    CHECK((caps & (1ull << 21)) == 0);
    for (const char* step : {"link=", "addr=", "down="}) {
      INFO(step);
      CHECK(r.out.find(std::string(step) + "0") == std::string::npos);
    }
    // Its own processes only: a fresh pid namespace, the host's sleep is not there.
    auto pids = r.out.substr(r.out.find("pids: ") + 6);
    std::istringstream ps(pids.substr(0, pids.find('\n')));
    std::set<int> seen;
    for (int p; ps >> p;) seen.insert(p);
    CHECK(seen.count(1) == 1);
    CHECK(seen.count(std::stoi(host_pid)) == 0);
    CHECK(seen.count(int(getpid())) == 0);
    CHECK(*seen.rbegin() < 20);
    CHECK(r.out.find("seen=0") != std::string::npos);
  }
  // The host's links and addresses are as they were (the default network's bridge aside).
  CHECK(sh("ip -o link show sec0 2>/dev/null").empty());
  CHECK(sh("ip -o addr show | grep 10.254.0.1").empty());
  CHECK(sh("ip -o link show lo").find(",UP") != std::string::npos);
  sh("kill " + host_pid);
}

TEST_CASE("security: containers and exec'd processes have Docker's capabilities, none inheritable or ambient, and no_new_privs",
          "[security][runtime]") {
  Berth berth;
  const std::string status =
      "grep -E \"^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs):\" /proc/self/status";
  auto check = [](const std::string& out) {
    INFO(out);
    CHECK(out.find("CapInh:\t0000000000000000") != std::string::npos);
    CHECK(out.find("CapPrm:\t00000000a80425fb") != std::string::npos);
    CHECK(out.find("CapEff:\t00000000a80425fb") != std::string::npos);  // Docker's default set
    CHECK(out.find("CapBnd:\t00000000a80425fb") != std::string::npos);
    CHECK(out.find("CapAmb:\t0000000000000000") != std::string::npos);
    CHECK(out.find("NoNewPrivs:\t1") != std::string::npos);
  };
  check(berth.ok("run --rm --net none busybox sh -c '" + status + "'"));
  berth.ok("run -d --name capbox --net none busybox sleep 1000");
  check(berth.ok("exec capbox sh -c '" + status + "'"));
  berth.ok("rm -f capbox");
}
