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

#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/netns/fixture.h"
#include "tests/netns/runtime_helpers.h"

using namespace berth::test;
using nlohmann::json;

namespace {

// The hostile names of the issue. Those with a NUL cannot be passed in the environment
// (execve stops at it): they go through JSON only.
std::vector<std::string> hostile_names() {
  return {"..",   ".",    "../x",  "/abs", "a/b",  "x/../../etc", std::string("a\0b", 3),
          "a\nb", "a\rb", "a b",  std::string(300, 'a'), std::string(300, 'a') + "/../x"};
}

// dataDir values the plugins must refuse: relative, with . or .. parts, control bytes.
std::vector<std::string> hostile_dirs() {
  return {"relative/leases", "a/b",        "/tmp/..",          "/tmp/../etc", "/tmp/./x",
          "/tmp/x/../../etc", std::string("/tmp/a\0b", 9), "/tmp/a\nb", "/tmp/a\rb",
          "/" + std::string(1100, 'd')};
}

int host_veth_count() { return std::stoi(sh("ip -o link show type veth | wc -l")); }

std::string show(const std::string& s) {
  std::string out;
  for (unsigned char c : s.substr(0, 40)) out += c < 0x20 ? '?' : char(c);
  return out + (s.size() > 40 ? "...(" + std::to_string(s.size()) + " bytes)" : "");
}

// umask 000 while alive, for this process and what it starts: a file's mode is then the
// one the code asked for.
struct NoUmask {
  mode_t saved = ::umask(0);
  ~NoUmask() { ::umask(saved); }
};

int mode_of(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return -1;
  return int(st.st_mode & 07777);
}

std::string octal(int mode) {
  std::ostringstream s;
  s << std::oct << mode;
  return s.str();
}

// Every path under `dir` with its type, mode and (for files) checksum: a fingerprint that
// must not change when berth is pointed at it through a planted symlink.
std::string fingerprint(const std::string& dir) {
  return sh("cd " + dir + " && find . -printf '%p %y %m %s\\n' | sort && "
            "find . -type f -exec md5sum {} + | sort");
}

// What the plugins and the runtime may touch on the test host: a change anywhere here
// means something was written.
std::string host_state(const std::string& temp) {
  return sh("find /run/berth /var/lib/cni /var/lib/berth " + temp +
            " -printf '%p %y %m\\n' 2>/dev/null | sort; ip -o link show | awk -F': ' '{print $2}'; "
            "nft list ruleset 2>/dev/null");
}

std::map<std::string, std::string> cni_env(const std::string& cmd, const std::string& netns,
                                           const std::string& id, const std::string& ifname) {
  std::map<std::string, std::string> e = {{"CNI_COMMAND", cmd},
                                          {"CNI_CONTAINERID", id},
                                          {"CNI_IFNAME", ifname},
                                          {"CNI_PATH", bin_dir()}};
  if (cmd != "DEL") e["CNI_NETNS"] = netns;
  return e;
}

json bridge_conf(const std::string& name, const std::string& data_dir) {
  return {{"cniVersion", "1.1.0"},
          {"name", name},
          {"type", "berth-bridge"},
          {"bridge", "br-sec"},
          {"isGateway", true},
          {"ipMasq", true},
          {"ipam", {{"type", "berth-ipam"}, {"subnet", "10.77.0.0/24"}, {"dataDir", data_dir}}}};
}

// The error a plugin printed: its code, or -1 when it printed no CNI error JSON.
int error_code(const PluginRun& r) {
  if (r.exit_code == 0 || !r.json.is_object() || !r.json.contains("code")) return -1;
  return r.json["code"].get<int>();
}

// Runs a plugin through `timeout`, so a plugin that blocks fails the test instead of
// hanging it; rc 124 means it was killed.
PluginRun run_plugin_bounded(const std::string& plugin, const std::string& cmd,
                             const std::string& netns, const json& conf) {
  std::string file = temp_dir() + "/conf.json";
  std::ofstream(file) << conf.dump();
  PluginRun r;
  r.out = sh("timeout 20 env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin CNI_COMMAND=" + cmd +
                 " CNI_CONTAINERID=sec1 CNI_IFNAME=eth0 CNI_PATH=" + bin_dir() + " CNI_NETNS='" +
                 netns + "' " + bin_dir() + "/" + plugin + " < " + file + " 2>/dev/null",
             &r.exit_code);
  r.json = json::parse(r.out, nullptr, false);
  if (r.json.is_discarded()) r.json = nullptr;
  return r;
}

}  // namespace

TEST_CASE("security: plugins refuse hostile names from the environment and the config and change nothing",
          "[security]") {
  auto ns = make_netns("sec");
  const std::string temp = temp_dir();
  const std::string data = temp + "/leases";
  // DEL takes berth's nftables lock before it reads IPAM's part of the config (it
  // removes what it can): a DEL of nothing makes that lock file first.
  REQUIRE(run_plugin("berth-bridge", cni_env("DEL", ns, "sec1", "eth0"),
                     bridge_conf("sec", data).dump()).exit_code == 0);
  REQUIRE(mode_of(data) == -1);
  const std::string before = host_state(temp);
  int runs = 0;
  for (const char* plugin : {"berth-bridge", "berth-ipam"}) {
    for (const char* cmd : {"ADD", "DEL", "CHECK"}) {
      for (const auto& bad : hostile_names()) {
        INFO(plugin << " " << cmd << " name `" << show(bad) << "`");
        const bool has_nul = bad.find('\0') != std::string::npos;
        if (!has_nul) {
          auto id = run_plugin(plugin, cni_env(cmd, ns, bad, "eth0"), bridge_conf("sec", data).dump());
          CHECK(error_code(id) == 4);
          auto ifname = run_plugin(plugin, cni_env(cmd, ns, "sec1", bad), bridge_conf("sec", data).dump());
          CHECK(error_code(ifname) == 4);
          runs += 2;
        }
        // JSON carries every byte: NUL arrives as \u0000.
        auto name = run_plugin(plugin, cni_env(cmd, ns, "sec1", "eth0"), bridge_conf(bad, data).dump());
        CHECK(error_code(name) == 7);
        runs += 1;
        if (std::string(plugin) == "berth-bridge") {
          json conf2 = bridge_conf("sec", data);
          conf2["bridge"] = bad;
          auto bridge = run_plugin(plugin, cni_env(cmd, ns, "sec1", "eth0"), conf2.dump());
          CHECK(error_code(bridge) == 7);
          // The error is JSON with the bad bytes escaped, on one line; the log line
          // on stderr does not carry them raw either.
          CHECK(std::count(bridge.out.begin(), bridge.out.end(), '\n') == 1);
          if (bad.find_first_of(std::string("\n\r\0", 3)) != std::string::npos)
            CHECK(bridge.err.find(bad) == std::string::npos);
          ++runs;
        }
      }
      for (const auto& bad : hostile_dirs()) {
        INFO(plugin << " " << cmd << " dataDir `" << show(bad) << "`");
        auto dir = run_plugin(plugin, cni_env(cmd, ns, "sec1", "eth0"), bridge_conf("sec", bad).dump());
        CHECK(error_code(dir) == 7);
        ++runs;
      }
    }
  }
  // A name the validator allows but berth-bridge's nftables tags cannot carry (184-255
  // bytes): code 7 before anything is done, not a failure half-way through ADD.
  auto too_long = run_plugin("berth-bridge", cni_env("ADD", ns, "sec1", "eth0"),
                             bridge_conf(std::string(190, 'n'), data).dump());
  INFO(too_long.out << too_long.err);
  CHECK(error_code(too_long) == 7);
  CHECK(runs > 200);
  // Nothing was created, written or removed: no lease directory, no link, no rule.
  CHECK(host_state(temp) == before);
  CHECK(sh_in(ns, "ip -o link show | wc -l") == "1\n");
  // The control: the same config with plain names works, and is undone.
  auto ok = run_plugin("berth-bridge", cni_env("ADD", ns, "sec1", "eth0"), bridge_conf("sec", data).dump());
  INFO(ok.out << ok.err);
  REQUIRE(ok.exit_code == 0);
  REQUIRE(run_plugin("berth-bridge", cni_env("DEL", ns, "sec1", "eth0"), bridge_conf("sec", data).dump())
              .exit_code == 0);
}

TEST_CASE("security: a lease directory or lease file planted as a symlink is refused with 107 and its target is untouched",
          "[security]") {
  auto ns = make_netns("sec");
  const std::string temp = temp_dir();
  const std::string data = temp + "/leases";
  const std::string victim = temp + "/victim";
  sh("mkdir -p " + victim + "/attachments " + data + " && echo precious > " + victim +
     "/lock && echo 10.77.0.9 > " + victim + "/last_reserved_ip.0 && printf 'other\\r\\neth0' > " +
     victim + "/10.77.0.2 && echo 10.77.0.2 > " + victim + "/attachments/other@eth0");
  const std::string before = fingerprint(victim);
  auto conf = bridge_conf("sec", data);
  auto gc_conf = conf;
  gc_conf["cni.dev/valid-attachments"] = json::array();

  SECTION("the network's directory") {
    sh("ln -s " + victim + " " + data + "/sec");
    for (const char* plugin : {"berth-ipam", "berth-bridge"}) {
      INFO(plugin);
      auto add = run_plugin(plugin, cni_env("ADD", ns, "sec1", "eth0"), conf.dump());
      INFO(add.out << add.err);
      CHECK(error_code(add) == 107);
      CHECK(error_code(run_plugin(plugin, cni_env("DEL", ns, "other", "eth0"), conf.dump())) == 107);
      CHECK(error_code(run_plugin(plugin, {{"CNI_COMMAND", "GC"}, {"CNI_PATH", bin_dir()}},
                                  gc_conf.dump())) == 107);
    }
    // The ADD failed before anything was made: no veth, no bridge.
    CHECK(host_veth_count() == 0);
    CHECK(sh("ip -o link show br-sec 2>/dev/null").empty());
    CHECK(sh_in(ns, "ip -o link show | wc -l") == "1\n");
  }
  SECTION("the attachments index, an index entry and a lease file") {
    auto add = run_plugin("berth-ipam", cni_env("ADD", ns, "sec1", "eth0"), conf.dump());
    INFO(add.out << add.err);
    REQUIRE(add.exit_code == 0);
    std::string ip = add.json["ips"][0]["address"];
    ip = ip.substr(0, ip.find('/'));
    const std::string dir = data + "/sec";
    REQUIRE(mode_of(dir + "/" + ip) == 0600);
    struct Plant {
      const char* what;
      std::string path, target;
    } plants[] = {{"index", dir + "/attachments", victim + "/attachments"},
                  {"entry", dir + "/attachments/sec1@eth0", victim + "/lock"},
                  {"lease", dir + "/" + ip, victim + "/10.77.0.2"}};
    for (const auto& p : plants) {
      INFO(p.what);
      std::string saved = temp + "/saved";
      sh("rm -rf " + saved + " && mv " + p.path + " " + saved + " && ln -s " + p.target + " " + p.path);
      auto del = run_plugin("berth-ipam", cni_env("DEL", ns, "sec1", "eth0"), conf.dump());
      INFO(del.out << del.err);
      CHECK(error_code(del) == 107);
      // GC with no valid attachment would free everything: never through the symlink.
      (void)run_plugin("berth-ipam", {{"CNI_COMMAND", "GC"}, {"CNI_PATH", bin_dir()}}, gc_conf.dump());
      CHECK(fingerprint(victim) == before);
      sh("rm " + p.path + " && mv " + saved + " " + p.path);
    }
    // With the real files back, DEL frees the address as usual.
    REQUIRE(run_plugin("berth-ipam", cni_env("DEL", ns, "sec1", "eth0"), conf.dump()).exit_code == 0);
    CHECK(mode_of(dir + "/" + ip) == -1);
  }
  CHECK(fingerprint(victim) == before);
}

TEST_CASE("security: a CNI_NETNS that is no network namespace is 105 at once and never opened for real",
          "[security]") {
  const std::string temp = temp_dir();
  sh("mkfifo " + temp + "/fifo && touch " + temp + "/file && mkdir " + temp + "/dir");
  auto conf = bridge_conf("sec", temp + "/leases");
  json none = {{"cniVersion", "1.1.0"}, {"name", "sec"}, {"type", "berth-none"}};
  struct Case {
    std::string netns;
    int code;
  } cases[] = {{temp + "/fifo", 105},    // an open() for reading would block here forever
               {temp + "/file", 105},    {temp + "/dir", 105},
               {"/dev/null", 105},       {"/proc/self/ns/mnt", 105},
               // A network namespace, but the plugin's own (the test's host). Never
               // /proc/1/ns/net here: that is the real machine's, outside the test.
               {"/proc/" + std::to_string(getpid()) + "/ns/net", 105},
               {temp + "/gone", 3}};
  for (const auto& c : cases) {
    for (const char* plugin : {"berth-bridge", "berth-none"}) {
      INFO(plugin << " CNI_NETNS=" << c.netns);
      auto r = run_plugin_bounded(plugin, "ADD", c.netns,
                                  std::string(plugin) == "berth-none" ? none : conf);
      INFO(r.out);
      CHECK(r.exit_code == 1);  // 124: killed by timeout, the plugin blocked
      REQUIRE(r.json.is_object());
      CHECK(r.json["code"] == c.code);
    }
  }
  CHECK(host_veth_count() == 0);
  CHECK(sh("ls " + temp + "/leases 2>/dev/null").empty());
  // `berth nsenter --netns PATH` takes its path from a user: the same rule, status 125.
  for (std::string p : {temp + "/fifo", temp + "/file", temp + "/dir", std::string("/dev/null")}) {
    int rc = -1;
    std::string err = sh("timeout 20 " + bin_dir() + "/berth --root " + temp + "/root nsenter --netns " +
                             p + " -- true 2>&1",
                         &rc);
    INFO("nsenter --netns " << p << ": " << err);
    CHECK(rc == 125);
    CHECK(err.find("not a network namespace") != std::string::npos);
  }
}

TEST_CASE("security: the plugins create private directories and files under umask 000", "[security]") {
  // A fresh /run, so that the plugins make /run/berth themselves.
  REQUIRE(::mount("tmpfs", "/run", "tmpfs", 0, "mode=0755") == 0);
  auto ns = make_netns("sec");
  const std::string temp = temp_dir();
  const std::string data = temp + "/state/cni/leases";
  NoUmask no_umask;
  auto conf = bridge_conf("sec", data);
  auto add = run_plugin("berth-bridge", cni_env("ADD", ns, "sec1", "eth0"), conf.dump());
  INFO(add.out << add.err);
  REQUIRE(add.exit_code == 0);
  std::string ip = add.json["ips"][0]["address"];
  ip = ip.substr(0, ip.find('/'));
  // The parents of dataDir the plugin made, the network's directory and its index: 0700.
  for (const char* d : {"/state", "/state/cni", "/state/cni/leases", "/state/cni/leases/sec",
                        "/state/cni/leases/sec/attachments"})
    CHECK(octal(mode_of(temp + d)) == "700");
  for (std::string f : {std::string("/lock"), "/" + ip, std::string("/last_reserved_ip.0"),
                        std::string("/attachments/sec1@eth0")}) {
    INFO(f);
    CHECK(octal(mode_of(data + "/sec" + f)) == "600");
  }
  // berth's nftables lock and its directory.
  CHECK(octal(mode_of("/run/berth")) == "700");
  CHECK(octal(mode_of("/run/berth/nft.lock")) == "600");
  // Nothing else anywhere is writable by others.
  CHECK(sh("find /run " + temp + "/state -perm /022 ! -type l").empty());
  REQUIRE(run_plugin("berth-bridge", cni_env("DEL", ns, "sec1", "eth0"), conf.dump()).exit_code == 0);
}

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
