// The security pass of issue 8 for the plugins, end to end (helpers and the whole list in
// security_helpers.h and security_runtime_test.cpp): hostile names from the environment
// and the config, symlinks planted in IPAM's directories, CNI_NETNS paths that are no
// namespace, and the modes of what the plugins create under umask 000.
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "tests/netns/security_helpers.h"

using namespace berth::test;
using namespace berth::test::security;

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
