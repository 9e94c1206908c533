// CNI conformance of every berth plugin: ADD results in each spec version, prevResult
// conversion between versions, CHECK right after ADD.
#include <catch2/catch.hpp>

#include "tests/netns/conformance_subjects.h"

using namespace berth::test;

namespace {

const char* kAll[] = {"0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"};

bool is_v1(const std::string& v) { return v[0] == '1'; }

// The shape rules of cni-spec.md §4: 0.x ips carry "version", 1.x do not; interface
// indexes are in range; addresses keep their prefix; MACs are lower-case.
void require_shape(const json& r, const std::string& v, bool interfaces) {
  REQUIRE(r["cniVersion"] == v);
  REQUIRE(r["ips"].is_array());
  for (const auto& ip : r["ips"]) {
    auto addr = ip["address"].get<std::string>();
    REQUIRE(contains(addr, "/"));
    if (is_v1(v)) {
      REQUIRE_FALSE(ip.contains("version"));
    } else {
      REQUIRE(ip["version"] == (contains(addr, ":") ? "6" : "4"));
    }
    if (interfaces) {
      REQUIRE(ip["interface"].get<size_t>() < r["interfaces"].size());
    } else {
      REQUIRE_FALSE(ip.contains("interface"));
    }
  }
  if (!interfaces) return;
  for (const auto& i : r["interfaces"]) {
    REQUIRE(i["name"].is_string());
    if (i.contains("mac")) {
      auto mac = i["mac"].get<std::string>();
      REQUIRE(mac.size() == 17);
      for (char c : mac) REQUIRE_FALSE((c >= 'A' && c <= 'F'));
    }
    if (!is_v1(v) || v == "1.0.0") REQUIRE_FALSE(i.contains("mtu"));
  }
}

}  // namespace

TEST_CASE("conformance: ADD results have each version's shape, for every plugin") {
  ignore_sigpipe();
  for (const auto& s : subjects()) {
    for (const char* v : kAll) {
      auto ns = s.host_netns ? host_netns_path() : make_netns(s.plugin + "-" + v);
      auto conf = s.conf(v, ns);
      auto r = call(s.plugin, "ADD", ns, "c1", conf);
      INFO(s.plugin << " " << v << ": " << r.out << r.err);
      REQUIRE(r.exit_code == 0);
      require_shape(r.json, v, s.interfaces);
      // Sandbox: set on container-side interfaces only (berth-host reports none).
      if (s.interfaces && !s.host_netns) {
        bool any = false;
        for (const auto& i : r.json["interfaces"]) any |= i.value("sandbox", "") == ns;
        REQUIRE(any);
      }
      REQUIRE(call(s.plugin, "DEL", ns, "c1", conf).exit_code == 0);
    }
  }
}

TEST_CASE("conformance: a prevResult of any version converts to the config's version") {
  ignore_sigpipe();
  auto ns = make_netns("c1");
  json v1 = {{"cniVersion", "1.1.0"},
             {"interfaces", {{{"name", "eth0"}, {"mac", "0e:55:8a:3d:7c:02"}, {"mtu", 1400}, {"sandbox", ns}}}},
             {"ips", {{{"address", "10.1.2.3/24"}, {"gateway", "10.1.2.1"}, {"interface", 0}},
                      {{"address", "fd00::3/64"}, {"interface", 0}}}},
             {"routes", {{{"dst", "0.0.0.0/0"}, {"gw", "10.1.2.1"}}}}};
  for (const char* v : kAll) {
    json conf = {{"cniVersion", v}, {"name", "conv"}, {"type", "berth-none"}, {"prevResult", v1}};
    auto r = call("berth-none", "ADD", ns, "c1", conf);
    INFO(v << ": " << r.out << r.err);
    REQUIRE(r.exit_code == 0);
    require_shape(r.json, v, true);
    REQUIRE(r.json["ips"][1]["address"] == "fd00::3/64");
    REQUIRE(r.json["routes"][0]["gw"] == "10.1.2.1");
    // And back: the converted result is a valid prevResult for the newest version.
    json back = {{"cniVersion", "1.1.0"}, {"name", "conv"}, {"type", "berth-none"}, {"prevResult", r.json}};
    auto r2 = call("berth-none", "ADD", ns, "c1", back);
    REQUIRE(r2.exit_code == 0);
    REQUIRE(r2.json["ips"].size() == 2);
  }
}

TEST_CASE("conformance: CHECK right after ADD passes for every plugin, in 0.4.0, 1.0.0, 1.1.0") {
  ignore_sigpipe();
  for (const auto& s : subjects()) {
    for (const char* v : {"0.4.0", "1.0.0", "1.1.0"}) {
      auto ns = s.host_netns ? host_netns_path() : make_netns(s.plugin + "-" + v);
      auto conf = s.conf(v, ns);
      auto add = call(s.plugin, "ADD", ns, "c1", conf);
      REQUIRE(add.exit_code == 0);
      conf["prevResult"] = add.json;
      auto chk = call(s.plugin, "CHECK", ns, "c1", conf);
      INFO(s.plugin << " " << v << ": " << chk.out << chk.err);
      REQUIRE(chk.exit_code == 0);
      REQUIRE(chk.out.empty());
      REQUIRE(call(s.plugin, "DEL", ns, "c1", conf).exit_code == 0);
      // After DEL, CHECK of an attachment that no longer exists fails (berth-host and
      // berth-none created nothing, so theirs still passes).
      auto after = call(s.plugin, "CHECK", ns, "c1", conf);
      if (s.plugin != "berth-host" && s.plugin != "berth-none") REQUIRE(after.exit_code != 0);
    }
  }
}
