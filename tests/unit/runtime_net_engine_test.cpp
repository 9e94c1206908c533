// The CNI engine without real plugins: what each plugin gets on stdin (runtimeConfig only
// for declared capabilities, prevResult), chain order, error wrapping, DEL collecting
// errors, and the libcni-shaped result cache.
#include <sys/stat.h>

#include <fstream>

#include <catch2/catch.hpp>

#include "core/base64.h"
#include "runtime/network/cache.h"
#include "runtime/network/engine.h"
#include "runtime/network/plugin_request.h"
#include "tests/unit/temp_dir.h"

using namespace berth;
using namespace berth::runtime::net;
using berth::test::TempDir;
using nlohmann::json;

namespace {

// Empty executables so that plugin lookup finds them; the fake exec never runs them.
void fake_plugin(const std::string& dir, const std::string& name) {
  std::ofstream(dir + "/" + name) << "";
  chmod((dir + "/" + name).c_str(), 0755);
}

struct Call {
  std::string exe;
  PluginCall call;
  json in;
};

const char* kList = R"({"cniVersion":"1.1.0","name":"web","plugins":[
  {"type":"first","capabilities":{"portMappings":true,"mac":false}},
  {"type":"second","capabilities":{"ips":true,"mac":true}}]})";

json result_for(const std::string& addr) {
  return {{"cniVersion", "1.1.0"},
          {"interfaces",
           {{{"name", "eth0"}, {"mac", "02:42:0a:01:00:02"}, {"sandbox", "/run/netns/x"}}}},
          {"ips", {{{"address", addr}, {"gateway", "10.1.0.1"}, {"interface", 0}}}}};
}

}  // namespace

TEST_CASE("runtimeConfig carries only declared capabilities the runtime has data for") {
  AttachOptions o;
  o.mac = "02:00:00:00:00:01";
  o.ip = IpAddr::parse("10.1.2.3");
  std::vector<PortMapping> ports = {{8080, 80, "tcp", ""}, {5353, 53, "udp", "127.0.0.1"}};
  json caps = capability_args(o, ports);
  CHECK(caps["portMappings"] ==
        json::parse(R"([{"hostPort":8080,"containerPort":80,"protocol":"tcp"},
      {"hostPort":5353,"containerPort":53,"protocol":"udp","hostIP":"127.0.0.1"}])"));
  CHECK(caps["ips"] == json::array({"10.1.2.3"}));
  CHECK(caps["mac"] == "02:00:00:00:00:01");
  CHECK_FALSE(caps.contains("aliases"));
  CHECK(ports_from_capability_args(caps) == ports);

  json entry = json::parse(
      R"({"type":"x","capabilities":{"portMappings":true,"mac":false,"bandwidth":true}})");
  CHECK(runtime_config(entry, caps) == json({{"portMappings", caps["portMappings"]}}));
  CHECK(runtime_config(json::parse(R"({"type":"x"})"), caps).empty());
  // Declared but no data: left out, and no runtimeConfig key at all.
  auto list = parse_conflist(kList);
  REQUIRE(list);
  json in = plugin_stdin(*list, list->plugins[0], json(), json::object());
  CHECK_FALSE(in.contains("runtimeConfig"));
  CHECK_FALSE(in.contains("prevResult"));
  CHECK(in["name"] == "web");
  CHECK(in["cniVersion"] == "1.1.0");
  CHECK(in.contains("capabilities"));  // libcni leaves it in; plugins tolerate it
}

TEST_CASE("CNI_ARGS name the container as podman does") {
  CHECK(format_cni_args(cni_args_for("web-1")) == "IgnoreUnknown=1;K8S_POD_NAME=web-1");
  CHECK(format_cni_args(cni_args_for("")) == "IgnoreUnknown=1");
}

TEST_CASE("engine ADD runs the chain in order, passes results on, and caches the last") {
  TempDir bin, cache;
  fake_plugin(bin.path, "first");
  fake_plugin(bin.path, "second");
  std::vector<Call> calls;
  ExecFn exec = [&](const std::string& exe, const PluginCall& c,
                    const std::string& input) -> Result<std::string> {
    calls.push_back({exe, c, json::parse(input)});
    if (c.command != "ADD") return std::string();
    json r = result_for(calls.size() == 1 ? "10.1.0.2/16" : "10.1.0.3/16");
    if (calls.size() == 2) r.erase("cniVersion");  // stamped by the engine
    return r.dump();
  };
  Engine engine({bin.path}, cache.path, exec);
  auto list = parse_conflist(kList);
  REQUIRE(list);
  RuntimeConf rt{
      "ctr1", "/run/netns/x", "eth0", cni_args_for("web-1"),
      json::parse(
          R"({"portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp"}],"mac":"02:00:00:00:00:09"})")};
  auto r = engine.add(*list, rt);
  REQUIRE(r);
  REQUIRE(calls.size() == 2);
  CHECK(calls[0].exe == bin.path + "/first");
  CHECK(calls[0].call.command == "ADD");
  CHECK(calls[0].call.container_id == "ctr1");
  CHECK(calls[0].call.netns == "/run/netns/x");
  CHECK(calls[0].call.ifname == "eth0");
  CHECK(calls[0].call.args == "IgnoreUnknown=1;K8S_POD_NAME=web-1");
  CHECK(calls[0].call.path == bin.path);
  CHECK_FALSE(calls[0].in.contains("prevResult"));
  CHECK(calls[0].in["runtimeConfig"] ==
        json::parse(R"({"portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp"}]})"));
  CHECK(calls[1].in["prevResult"]["ips"][0]["address"] == "10.1.0.2/16");
  CHECK(calls[1].in["runtimeConfig"] == json({{"mac", "02:00:00:00:00:09"}}));
  CHECK((*r)["ips"][0]["address"] == "10.1.0.3/16");
  CHECK((*r)["cniVersion"] == "1.1.0");

  // The cache file: libcni's name, modes and shape.
  std::string file = cache.path + "/results/web-ctr1-eth0";
  struct stat st;
  REQUIRE(stat(file.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  REQUIRE(stat((cache.path + "/results").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);
  json cached = json::parse(std::ifstream(file));
  CHECK(cached["kind"] == "cniCacheV1");
  CHECK(cached["containerId"] == "ctr1");
  CHECK(cached["ifName"] == "eth0");
  CHECK(cached["networkName"] == "web");
  CHECK(cached["netns"] == "/run/netns/x");
  CHECK(*base64_decode(cached["config"].get<std::string>()) == kList);
  CHECK(cached["cniArgs"] == json::parse(R"([["IgnoreUnknown","1"],["K8S_POD_NAME","web-1"]])"));
  CHECK(cached["capabilityArgs"] == rt.cap_args);
  CHECK(cached["result"] == *r);

  // DEL: reverse order, the cached result as prevResult, capability args again; cache gone.
  calls.clear();
  auto entry = read_cache(cache.path, "web", "ctr1", "eth0");
  REQUIRE(entry);
  REQUIRE(*entry);
  REQUIRE(engine.del(*list, rt, (*entry)->result));
  REQUIRE(calls.size() == 2);
  CHECK(calls[0].exe == bin.path + "/second");
  CHECK(calls[1].exe == bin.path + "/first");
  CHECK(calls[0].call.command == "DEL");
  CHECK(calls[1].in["prevResult"]["ips"][0]["address"] == "10.1.0.3/16");
  CHECK(calls[1].in["runtimeConfig"].contains("portMappings"));
  CHECK(stat(file.c_str(), &st) != 0);
}

TEST_CASE("engine errors: wrapped with plugin and network, ADD stops, DEL goes on") {
  TempDir bin, cache;
  fake_plugin(bin.path, "first");
  fake_plugin(bin.path, "second");
  std::vector<std::string> ran;
  ExecFn exec = [&](const std::string& exe, const PluginCall& c,
                    const std::string&) -> Result<std::string> {
    ran.push_back(c.command + " " + exe.substr(exe.rfind('/') + 1));
    if (exe.ends_with("/first"))
      return fail(Code::kRangeFull, "no IP addresses available", "range 10.1.0.0/30");
    if (c.command == "ADD") return result_for("10.1.0.2/16").dump();
    return fail(Code::kInternal, "second broke");
  };
  Engine engine({bin.path}, cache.path, exec);
  auto list = parse_conflist(kList);
  RuntimeConf rt{"ctr1", "/run/netns/x", "eth0", {}, json::object()};
  auto r = engine.add(*list, rt);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Code::kRangeFull);
  CHECK(r.error().msg ==
        "plugin type=\"first\" name=\"web\" failed (add): no IP addresses available");
  CHECK(r.error().details == "range 10.1.0.0/30");
  CHECK(ran == std::vector<std::string>{"ADD first"});
  struct stat st;
  CHECK(stat((cache.path + "/results/web-ctr1-eth0").c_str(), &st) != 0);

  ran.clear();
  auto d = engine.del(*list, rt, json());
  REQUIRE_FALSE(d);
  CHECK(ran == std::vector<std::string>{"DEL second", "DEL first"});
  CHECK(d.error().msg == "plugin type=\"second\" name=\"web\" failed (del): second broke");
  CHECK(d.error().details.find("failed (del): no IP addresses available") != std::string::npos);

  // A plugin that is not installed.
  auto missing =
      parse_conflist(R"({"cniVersion":"1.1.0","name":"web","plugins":[{"type":"nope"}]})");
  auto m = engine.add(*missing, rt);
  REQUIRE_FALSE(m);
  CHECK(m.error().msg.find("plugin type=\"nope\" name=\"web\" failed (add)") == 0);
}

TEST_CASE("engine GC sends the valid attachments under both keys, only from 1.1.0") {
  TempDir bin, cache;
  fake_plugin(bin.path, "first");
  fake_plugin(bin.path, "second");
  std::vector<Call> calls;
  ExecFn exec = [&](const std::string& exe, const PluginCall& c,
                    const std::string& input) -> Result<std::string> {
    calls.push_back({exe, c, json::parse(input)});
    return std::string();
  };
  Engine engine({bin.path}, cache.path, exec);
  auto list = parse_conflist(kList);
  json valid = json::parse(R"([{"containerID":"c1","ifname":"eth0"}])");
  REQUIRE(engine.gc(*list, valid));
  REQUIRE(calls.size() == 2);
  CHECK(calls[0].call.command == "GC");
  CHECK(calls[0].call.container_id.empty());
  CHECK(calls[0].in["cni.dev/valid-attachments"] == valid);
  CHECK(calls[0].in["cni.dev/attachments"] == valid);
  CHECK_FALSE(calls[0].in.contains("runtimeConfig"));
  calls.clear();
  auto old = parse_conflist(R"({"cniVersion":"1.0.0","name":"web","plugins":[{"type":"first"}]})");
  REQUIRE(engine.gc(*old, valid));
  CHECK(calls.empty());
}

TEST_CASE("cache entries round-trip / bare results and base64 edge cases") {
  CacheEntry e{"c1",
               "{\"x\":1}\n",
               "eth1",
               "net-a",
               "/proc/1/ns/net",
               {{"IgnoreUnknown", "1"}},
               json::object(),
               result_for("10.1.0.9/16")};
  auto back = cache_from_json(cache_to_json(e));
  REQUIRE(back);
  CHECK(back->config == e.config);
  CHECK(back->cni_args == e.cni_args);
  CHECK(back->result == e.result);
  CHECK(back->network == "net-a");
  auto bare = cache_from_json(result_for("10.1.0.9/16"));
  REQUIRE(bare);
  CHECK(bare->config.empty());
  CHECK(bare->result["ips"][0]["address"] == "10.1.0.9/16");
  for (const std::string& s :
       std::vector<std::string>{"", "a", "ab", "abc", "abcd", std::string("\0\xff\x10", 3)})
    CHECK(*base64_decode(base64_encode(s)) == s);
  CHECK(base64_encode("hello") == "aGVsbG8=");
  CHECK_FALSE(base64_decode("a==="));
  CHECK_FALSE(base64_decode("abc"));
  CHECK_FALSE(base64_decode("ab=c"));
}
