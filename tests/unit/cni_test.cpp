// The CNI protocol layer without processes: skel dispatch with injected env and
// streams, version conversion, error JSON, CNI_ARGS and name validation.
#include <map>
#include <sstream>

#include <catch2/catch.hpp>

#include "core/cni/args.h"
#include "core/cni/names.h"
#include "core/cni/skel.h"
#include "core/cni/types.h"
#include "core/cni/version.h"

using namespace berth;
using namespace berth::cni;
using nlohmann::json;

namespace {

struct Run {
  int rc;
  json out;
  std::string raw;
};

// Drives run_plugin like a runtime would, with a fake plugin that records its calls.
Run drive(std::map<std::string, std::string> env, const std::string& input, std::string* called = nullptr) {
  Plugin p{"berth-test",
           [&](const Request& r) -> Result<CniResult> {
             if (called) *called = "ADD " + r.name;
             CniResult res;
             res.interfaces.push_back({"eth0", "02:42:0a:00:00:02"});
             res.interfaces.back().sandbox = r.env.netns;
             res.ips.push_back({*Prefix::parse("10.0.0.2/24"), IpAddr::parse("10.0.0.1"), 0});
             res.routes.push_back({*Prefix::parse("0.0.0.0/0"), IpAddr::parse("10.0.0.1")});
             return res;
           },
           [&](const Request&) -> Result<> {
             if (called) *called = "DEL";
             return {};
           },
           [&](const Request&) -> Result<> { return fail(Code::kCheckFailed, "attachment check failed", "x"); },
           nullptr, nullptr};
  std::istringstream in(input);
  std::ostringstream out;
  int rc = run_plugin(p, [&](const char* k) -> const char* {
    auto it = env.find(k);
    return it == env.end() ? nullptr : it->second.c_str();
  }, in, out);
  auto j = json::parse(out.str(), nullptr, false);
  return {rc, j.is_discarded() ? json() : j, out.str()};
}

std::map<std::string, std::string> add_env() {
  return {{"CNI_COMMAND", "ADD"}, {"CNI_CONTAINERID", "abc"}, {"CNI_NETNS", "/run/netns/x"}, {"CNI_IFNAME", "eth0"}};
}

}  // namespace

TEST_CASE("skel: ADD prints the result in the config's version") {
  std::string called;
  auto r = drive(add_env(), R"({"cniVersion":"0.4.0","name":"net1","type":"t"})", &called);
  REQUIRE(r.rc == 0);
  REQUIRE(called == "ADD net1");
  REQUIRE(r.out["cniVersion"] == "0.4.0");
  REQUIRE(r.out["ips"][0]["version"] == "4");
  REQUIRE(r.out["dns"] == json::object());  // 0.x always carries dns
  auto r1 = drive(add_env(), R"({"cniVersion":"1.1.0","name":"net1","type":"t"})");
  REQUIRE(r1.out["cniVersion"] == "1.1.0");
  REQUIRE_FALSE(r1.out["ips"][0].contains("version"));
  REQUIRE_FALSE(r1.out.contains("dns"));
  REQUIRE(r1.out["interfaces"][0]["sandbox"] == "/run/netns/x");
}

TEST_CASE("skel: error codes follow the spec's validation order") {
  SECTION("no command") { REQUIRE(drive({}, "{}").out["code"] == 4); }
  SECTION("missing variables are all named") {
    auto r = drive({{"CNI_COMMAND", "ADD"}}, "{}");
    REQUIRE(r.rc == 1);
    REQUIRE(r.out["code"] == 4);
    REQUIRE(r.out["msg"] == "required env variables [CNI_CONTAINERID,CNI_NETNS,CNI_IFNAME] missing");
  }
  SECTION("DEL needs no netns") {
    auto env = add_env();
    env["CNI_COMMAND"] = "DEL";
    env.erase("CNI_NETNS");
    REQUIRE(drive(env, R"({"cniVersion":"1.0.0","name":"n"})").rc == 0);
  }
  SECTION("bad container id") {
    auto env = add_env();
    env["CNI_CONTAINERID"] = "../x";
    REQUIRE(drive(env, R"({"cniVersion":"1.0.0","name":"n"})").out["code"] == 4);
  }
  SECTION("bad ifname") {
    auto env = add_env();
    env["CNI_IFNAME"] = "a-very-long-ifname0";
    REQUIRE(drive(env, R"({"cniVersion":"1.0.0","name":"n"})").out["code"] == 4);
  }
  SECTION("malformed JSON") { REQUIRE(drive(add_env(), "{\"cniVersion\":").out["code"] == 6); }
  SECTION("not an object") { REQUIRE(drive(add_env(), "[1,2]").out["code"] == 6); }
  SECTION("bad network name") {
    REQUIRE(drive(add_env(), R"({"cniVersion":"1.0.0","name":"../etc"})").out["code"] == 7);
    REQUIRE(drive(add_env(), R"({"cniVersion":"1.0.0"})").out["code"] == 7);
  }
  SECTION("unsupported version lists the supported ones") {
    auto r = drive(add_env(), R"({"cniVersion":"0.2.0","name":"n"})");
    REQUIRE(r.out["code"] == 1);
    REQUIRE(r.out["details"].get<std::string>().find("1.1.0") != std::string::npos);
  }
  SECTION("CHECK below 0.4.0") {
    auto env = add_env();
    env["CNI_COMMAND"] = "CHECK";
    REQUIRE(drive(env, R"({"cniVersion":"0.3.1","name":"n"})").out["code"] == 1);
  }
  SECTION("GC below 1.1.0") {
    REQUIRE(drive({{"CNI_COMMAND", "GC"}}, R"({"cniVersion":"1.0.0","name":"n"})").out["code"] == 1);
    REQUIRE(drive({{"CNI_COMMAND", "GC"}}, R"({"cniVersion":"1.1.0","name":"n"})").rc == 0);
  }
  SECTION("a handler's error keeps its code and carries the request version") {
    auto env = add_env();
    env["CNI_COMMAND"] = "CHECK";
    auto r = drive(env, R"({"cniVersion":"1.0.0","name":"n"})");
    REQUIRE(r.rc == 1);
    REQUIRE(r.out == json{{"cniVersion", "1.0.0"}, {"code", 108}, {"msg", "attachment check failed"}, {"details", "x"}});
  }
}

TEST_CASE("skel: VERSION needs nothing but the command") {
  auto r = drive({{"CNI_COMMAND", "VERSION"}}, "");
  REQUIRE(r.rc == 0);
  REQUIRE(r.out["cniVersion"] == "1.1.0");
  REQUIRE(r.out["supportedVersions"] == json({"0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"}));
  REQUIRE(drive({{"CNI_COMMAND", "VERSION"}}, R"({"cniVersion":"0.4.0"})").out["cniVersion"] == "0.4.0");
}

TEST_CASE("results round-trip through every version") {
  json v11 = {{"cniVersion", "1.1.0"},
              {"interfaces", {{{"name", "eth0"}, {"mac", "02:42:0a:00:00:02"}, {"mtu", 1400}, {"sandbox", "/x"}}}},
              {"ips", {{{"address", "10.0.0.2/24"}, {"gateway", "10.0.0.1"}, {"interface", 0}},
                       {{"address", "fd00::2/64"}, {"interface", 0}}}},
              {"routes", {{{"dst", "0.0.0.0/0"}, {"gw", "10.0.0.1"}, {"priority", 5}}}},
              {"dns", {{"nameservers", {"10.0.0.1"}}}}};
  auto parsed = parse_result(v11, "1.1.0");
  REQUIRE(parsed);
  REQUIRE(result_to_json(*parsed, "1.1.0") == v11);
  auto old = result_to_json(*parsed, "0.3.1");
  REQUIRE(old["ips"][1]["version"] == "6");
  REQUIRE_FALSE(old["interfaces"][0].contains("mtu"));
  REQUIRE_FALSE(old["routes"][0].contains("priority"));
  auto back = parse_result(old, "0.3.1");
  REQUIRE(back);
  REQUIRE(result_to_json(*back, "1.0.0")["ips"][1] == json({{"address", "fd00::2/64"}, {"interface", 0}}));
  REQUIRE_FALSE(parse_result(json{{"ips", {{{"address", "10.0.0.300/24"}}}}}, "1.0.0"));
  REQUIRE(parse_result(json{{"ips", "x"}}, "1.0.0").error().code == Code::kDecode);
}

TEST_CASE("CNI_ARGS: known keys, IgnoreUnknown, first '=' splits") {
  auto a = parse_cni_args("IgnoreUnknown=1;K8S_POD_NAME=web-0;FOO=a=b");
  REQUIRE(a);
  REQUIRE(a->at("FOO") == "a=b");
  REQUIRE(a->at("K8S_POD_NAME") == "web-0");
  REQUIRE(parse_cni_args("IP=10.0.0.5;MAC=02:00:00:00:00:01"));
  REQUIRE(parse_cni_args("FOO=1").error().code == Code::kInvalidEnv);
  REQUIRE(parse_cni_args("IgnoreUnknown=false;FOO=1").error().code == Code::kInvalidEnv);
  REQUIRE_FALSE(parse_cni_args("novalue"));
  REQUIRE(parse_cni_args("")->empty());
}

TEST_CASE("names that could escape a directory are refused") {
  for (const char* bad : {"", ".", "..", "../x", "a/b", "-x", "a b", "a\nb", "_x"})
    REQUIRE_FALSE(validate_container_id(bad));
  REQUIRE(validate_container_id("4f1c9e2a0b"));
  REQUIRE(validate_container_id("cnitool-0123456789abcdef0123"));
  REQUIRE_FALSE(validate_container_id(std::string(256, 'a')));
  for (const char* bad : {"", ".", "..", "a/b", "a:b", "a b", "0123456789abcdef"})
    REQUIRE_FALSE(validate_ifname(bad));
  REQUIRE(validate_ifname("eth0"));
  REQUIRE(validate_network_name("my-net.1"));
  REQUIRE(validate_network_name("../x").error().code == Code::kInvalidConfig);
  REQUIRE(validate_dir_path("/var/lib/cni/networks", "dataDir"));
  for (const char* bad : {"relative", "/a/../b", "/a/./b", "/a\n"})
    REQUIRE_FALSE(validate_dir_path(bad, "dataDir"));
}

TEST_CASE("version strings compare numerically") {
  REQUIRE(version_at_least("1.10.0", "1.2.0"));
  REQUIRE_FALSE(version_at_least("0.4.0", "1.0.0"));
  REQUIRE_FALSE(parse_version("1.0"));
  REQUIRE_FALSE(parse_version("1.0.0-rc1"));
  REQUIRE(is_supported_version("0.3.0"));
  REQUIRE_FALSE(is_supported_version("0.2.0"));
}
