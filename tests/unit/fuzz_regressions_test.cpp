// Each case is an input a fuzz target in tests/fuzz found; the fix is named in the
// comment of the code it changed.
#include <catch2/catch.hpp>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "core/cni/skel.h"
#include "core/cni/types.h"
#include "core/ip.h"

using namespace std::string_literals;

TEST_CASE("an address or prefix with a NUL byte does not parse", "[fuzz][ip]") {
  CHECK_FALSE(berth::IpAddr::parse("fd00::\0d00:864"s));
  CHECK_FALSE(berth::IpAddr::parse("10.0.0.1\0junk"s));
  CHECK_FALSE(berth::Prefix::parse("10.0.0.1\0x/8"s));
  CHECK(berth::IpAddr::parse("10.0.0.1"));
}

TEST_CASE("a result's interface index beyond int is a decode error, not wrapped", "[fuzz][cni]") {
  auto j = nlohmann::json::parse(
      R"({"cniVersion":"1.0.0","ips":[{"address":"10.0.0.2/8","interface":4294967296}]})");
  auto r = berth::cni::parse_result(j, "1.0.0");
  REQUIRE_FALSE(r);
  CHECK(r.error().code == berth::Code::kDecode);
  j["ips"][0]["interface"] = 2147483647;
  auto ok = berth::cni::parse_result(j, "1.0.0");
  REQUIRE(ok);
  CHECK(ok->ips[0].interface == 2147483647);
}

TEST_CASE("a route mtu beyond 32 bits is a decode error, not truncated", "[fuzz][cni]") {
  auto j = nlohmann::json::parse(
      R"({"cniVersion":"1.1.0","routes":[{"dst":"0.0.0.0/0","mtu":4294967297}]})");
  auto r = berth::cni::parse_result(j, "1.1.0");
  REQUIRE_FALSE(r);
  CHECK(r.error().code == berth::Code::kDecode);
  CHECK(r.error().details.find("mtu") != std::string::npos);
  j["routes"][0]["mtu"] = 4294967295u;
  auto ok = berth::cni::parse_result(j, "1.1.0");
  REQUIRE(ok);
  CHECK(ok->routes[0].mtu == 4294967295u);
}

TEST_CASE("a container ID that is not UTF-8 is answered with error JSON, not a crash",
          "[fuzz][skel]") {
  std::map<std::string, std::string> env = {{"CNI_COMMAND", "ADD"},
                                            {"CNI_CONTAINERID", "../\xff\xffsx"},
                                            {"CNI_NETNS", "/run/netns/x"},
                                            {"CNI_IFNAME", "eth0"}};
  berth::cni::Plugin plugin{"berth-test",
                            [](const berth::cni::Request&) -> berth::Result<berth::cni::CniResult> {
                              return berth::cni::CniResult{};
                            }};
  std::istringstream in(R"({"cniVersion":"1.0.0","name":"n"})");
  std::ostringstream out;
  int rc = berth::cni::run_plugin(
      plugin, [&](const char* k) { return env.count(k) ? env[k].c_str() : nullptr; }, in, out);
  CHECK(rc == 1);
  auto j = nlohmann::json::parse(out.str(), nullptr, false);
  REQUIRE(j.is_object());
  CHECK(j["code"] == 4);
}
