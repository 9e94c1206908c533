// CNI conformance of every berth plugin (cni-spec.md §10): the protocol around the
// commands — VERSION, error codes and their order, DEL idempotence, GC and STATUS.
#include <catch2/catch.hpp>

#include "tests/netns/conformance_subjects.h"

using namespace berth::test;

namespace {

const json kVersions = {"0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"};

std::string netns_for(const Subject& s, const std::string& name) {
  return s.host_netns ? host_netns_path() : make_netns(name);
}

// Exactly one JSON document on stdout: an error object with the code, and exit 1.
void require_error(const PluginRun& r, int code, const std::string& plugin) {
  INFO(plugin << ": " << r.out << r.err);
  REQUIRE(r.exit_code == 1);
  REQUIRE(r.json.is_object());
  REQUIRE(r.json["code"] == code);
  REQUIRE(r.json["msg"].is_string());
  REQUIRE(r.json.contains("cniVersion"));
}

}  // namespace

TEST_CASE("conformance: VERSION lists 0.3.0..1.1.0 with no stdin and no other variables") {
  ignore_sigpipe();
  for (const auto& s : subjects()) {
    auto r = run_plugin(s.plugin, {{"CNI_COMMAND", "VERSION"}}, "");
    INFO(s.plugin << ": " << r.out << r.err);
    REQUIRE(r.exit_code == 0);
    REQUIRE(r.json["supportedVersions"] == kVersions);
    // libcni probes with its own version and dummy variables; the answer echoes it.
    auto probe = run_plugin(s.plugin, {{"CNI_COMMAND", "VERSION"}, {"CNI_NETNS", "dummy"}, {"CNI_IFNAME", "dummy"}},
                            R"({"cniVersion":"0.4.0"})");
    REQUIRE(probe.json["cniVersion"] == "0.4.0");
    // A human running the binary gets a text on stderr and nothing on stdout.
    auto human = run_plugin(s.plugin, {}, "");
    REQUIRE(human.exit_code == 0);
    REQUIRE(human.out.empty());
    REQUIRE(contains(human.err, "CNI plugin " + s.plugin));
  }
}

TEST_CASE("conformance: missing or invalid environment is code 4, unknown command too") {
  ignore_sigpipe();
  auto ns = make_netns("c1");
  for (const auto& s : subjects()) {
    auto conf = s.conf("1.1.0", ns).dump();
    auto r = run_plugin(s.plugin, {{"CNI_COMMAND", "ADD"}}, conf);
    require_error(r, 4, s.plugin);
    REQUIRE(contains(r.json["msg"], "CNI_CONTAINERID,CNI_NETNS,CNI_IFNAME"));
    // Set but empty counts as missing.
    auto empty = run_plugin(s.plugin, {{"CNI_COMMAND", "CHECK"}, {"CNI_CONTAINERID", "c1"}, {"CNI_NETNS", ""},
                                       {"CNI_IFNAME", "eth0"}}, conf);
    require_error(empty, 4, s.plugin);
    auto u = run_plugin(s.plugin, {{"CNI_COMMAND", "FROB"}}, conf);
    require_error(u, 4, s.plugin);
    REQUIRE(u.json["msg"] == "unknown CNI_COMMAND: FROB");
    require_error(call(s.plugin, "ADD", ns, "bad/id", s.conf("1.1.0", ns)), 4, s.plugin);
    require_error(call(s.plugin, "ADD", ns, "c1", s.conf("1.1.0", ns), "way-too-long-ifname"), 4, s.plugin);
    require_error(call(s.plugin, "ADD", ns, "c1", s.conf("1.1.0", ns), "eth0", "NOPE=1"), 4, s.plugin);
  }
}

TEST_CASE("conformance: malformed JSON 6, invalid config 7, unsupported cniVersion 1") {
  ignore_sigpipe();
  auto ns = make_netns("c1");
  for (const auto& s : subjects()) {
    auto env = std::map<std::string, std::string>{
        {"CNI_COMMAND", "ADD"}, {"CNI_CONTAINERID", "c1"}, {"CNI_NETNS", ns}, {"CNI_IFNAME", "eth0"}};
    require_error(run_plugin(s.plugin, env, "{\"cniVersion\": \"1.1.0\", "), 6, s.plugin);
    require_error(run_plugin(s.plugin, env, "[1, 2]"), 6, s.plugin);
    require_error(call(s.plugin, "ADD", ns, "c1", s.conf("1.1.x", ns)), 6, s.plugin);
    auto bad = s.conf("1.1.0", ns);
    bad.update(s.invalid_keys);
    require_error(call(s.plugin, "ADD", ns, "c1", bad), 7, s.plugin);
    auto noname = s.conf("1.1.0", ns);
    noname.erase("name");
    require_error(call(s.plugin, "ADD", ns, "c1", noname), 7, s.plugin);
    auto v = call(s.plugin, "ADD", ns, "c1", s.conf("9.9.9", ns));
    require_error(v, 1, s.plugin);
    REQUIRE(contains(v.json["details"], "1.1.0"));
    // Version floors: CHECK from 0.4.0, GC and STATUS from 1.1.0.
    require_error(call(s.plugin, "CHECK", ns, "c1", s.conf("0.3.1", ns)), 1, s.plugin);
    require_error(run_plugin(s.plugin, {{"CNI_COMMAND", "GC"}}, s.conf("1.0.0", ns).dump()), 1, s.plugin);
    require_error(run_plugin(s.plugin, {{"CNI_COMMAND", "STATUS"}}, s.conf("1.0.0", ns).dump()), 1, s.plugin);
  }
  // None of it left anything behind.
  REQUIRE(sh("ip -o link show type veth").empty());
  REQUIRE(sh("ls /run/berth/container 2>/dev/null").empty());
}

TEST_CASE("conformance: DEL is idempotent: repeated, empty CNI_NETNS, vanished netns, no ADD") {
  ignore_sigpipe();
  for (const auto& s : subjects()) {
    auto ns = netns_for(s, "del-" + s.plugin);
    auto conf = s.conf("1.1.0", ns);
    // DEL without any ADD before it (the runtime's cleanup after a failed ADD).
    auto pre = call(s.plugin, "DEL", ns, "c1", conf);
    INFO(s.plugin << ": " << pre.out << pre.err);
    REQUIRE(pre.exit_code == 0);
    auto add = call(s.plugin, "ADD", ns, "c1", conf);
    INFO(add.out << add.err);
    REQUIRE(add.exit_code == 0);
    auto with_prev = conf;
    with_prev["prevResult"] = add.json;
    for (int i = 0; i < 2; ++i) {
      auto d = call(s.plugin, "DEL", ns, "c1", i ? conf : with_prev);
      INFO(d.out << d.err);
      REQUIRE(d.exit_code == 0);
      REQUIRE(d.out.empty());
    }
    REQUIRE(call(s.plugin, "DEL", "", "c1", conf).exit_code == 0);
    if (!s.host_netns) {
      REQUIRE(call(s.plugin, "ADD", ns, "c2", s.conf("1.1.0", ns), "eth1").exit_code == 0);
      delete_netns(ns);
      auto gone = call(s.plugin, "DEL", ns, "c2", conf, "eth1");
      INFO(gone.out << gone.err);
      REQUIRE(gone.exit_code == 0);
    }
  }
  REQUIRE(sh("ip -o link show type veth").empty());
  REQUIRE(leases("conf-br") + leases("conf-ptp") + leases("conf-ipam") == 0);
}

TEST_CASE("conformance: GC and STATUS at 1.1.0 succeed with no output, with either attachments key") {
  ignore_sigpipe();
  auto ns = make_netns("c1");
  for (const auto& s : subjects()) {
    for (const char* key : {"cni.dev/valid-attachments", "cni.dev/attachments"}) {
      auto gc = s.conf("1.1.0", ns);
      gc[key] = json::array({{{"containerID", "keep"}, {"ifname", "eth0"}}});
      auto r = run_plugin(s.plugin, {{"CNI_COMMAND", "GC"}, {"CNI_CONTAINERID", ""}, {"CNI_NETNS", ""},
                                     {"CNI_IFNAME", ""}, {"CNI_ARGS", ""}},
                          gc.dump());
      INFO(s.plugin << ": " << r.out << r.err);
      REQUIRE(r.exit_code == 0);
      REQUIRE(r.out.empty());
    }
    auto st = run_plugin(s.plugin, {{"CNI_COMMAND", "STATUS"}}, s.conf("1.1.0", ns).dump());
    INFO(s.plugin << ": " << st.out << st.err);
    REQUIRE(st.exit_code == 0);
    REQUIRE(st.out.empty());
  }
}

TEST_CASE("conformance: clients' extras are tolerated (capabilities, runtimeConfig, args, K8S CNI_ARGS)") {
  ignore_sigpipe();
  for (const auto& s : subjects()) {
    auto ns = netns_for(s, "x-" + s.plugin);
    auto conf = s.conf("1.1.0", ns);
    conf["capabilities"] = {{"portMappings", true}, {"io.kubernetes.cri.pod-annotations", true}};
    conf["runtimeConfig"] = {{"io.kubernetes.cri.pod-annotations", {{"a", "b"}}},
                             {"portMappings", {{{"HostPort", 8080}, {"ContainerPort", 80}, {"Protocol", "tcp"}, {"HostIP", ""}}}}};
    conf["args"] = {{"cni", {{"labels", {{{"key", "app"}, {"value", "web"}}}}}}};
    conf["podmanLabels"] = {{"x", "y"}};
    auto r = call(s.plugin, "ADD", ns, "c1", conf, "eth0",
                  "IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=web-0;K8S_POD_INFRA_CONTAINER_ID=c1;FOO=bar");
    INFO(s.plugin << ": " << r.out << r.err);
    REQUIRE(r.exit_code == 0);
    REQUIRE(call(s.plugin, "DEL", ns, "c1", conf).exit_code == 0);
  }
}

TEST_CASE("conformance: a CNI_NETNS that is the plugin's own namespace is refused (not berth-host)") {
  ignore_sigpipe();
  for (const auto& s : subjects()) {
    if (s.host_netns || !s.interfaces) continue;
    auto r = call(s.plugin, "ADD", host_netns_path(), "c1", s.conf("1.1.0", host_netns_path()));
    require_error(r, 105, s.plugin);
  }
  REQUIRE(leases("conf-br") + leases("conf-ptp") == 0);
}
