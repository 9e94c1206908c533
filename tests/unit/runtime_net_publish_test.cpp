// parse_publish: every -p form Docker accepts, and the mistakes it refuses.
#include <catch2/catch.hpp>

#include "runtime/network/network.h"

using namespace berth;
using berth::runtime::net::parse_publish;
using berth::runtime::net::PortMapping;

namespace {

PortMapping pm(uint16_t host, uint16_t ctr, const char* proto = "tcp", const char* ip = "") {
  return PortMapping{host, ctr, proto, ip};
}

}  // namespace

TEST_CASE("parse_publish accepts Docker's forms") {
  struct Case {
    const char* spec;
    std::vector<PortMapping> want;
  };
  const Case cases[] = {
      {"80", {pm(0, 80)}},
      {"8080:80", {pm(8080, 80)}},
      {"127.0.0.1:8080:80", {pm(8080, 80, "tcp", "127.0.0.1")}},
      {"127.0.0.1::80", {pm(0, 80, "tcp", "127.0.0.1")}},
      {"53/udp", {pm(0, 53, "udp")}},
      {"5353:53/udp", {pm(5353, 53, "udp")}},
      {"9000:9000/sctp", {pm(9000, 9000, "sctp")}},
      {"8080:80/TCP", {pm(8080, 80)}},
      {"[::1]:8080:80", {pm(8080, 80, "tcp", "::1")}},
      {"[2001:db8::1]::80/udp", {pm(0, 80, "udp", "2001:db8::1")}},
      {"8000-8002:80-82", {pm(8000, 80), pm(8001, 81), pm(8002, 82)}},
      {"80-81", {pm(0, 80), pm(0, 81)}},
      {"10.0.0.1:7000-7001:7000-7001/udp",
       {pm(7000, 7000, "udp", "10.0.0.1"), pm(7001, 7001, "udp", "10.0.0.1")}},
      {"1:65535", {pm(1, 65535)}},
      {"0.0.0.0:80:80", {pm(80, 80, "tcp", "0.0.0.0")}},
  };
  for (const auto& c : cases) {
    INFO(c.spec);
    auto r = parse_publish(c.spec);
    REQUIRE(r);
    CHECK(*r == c.want);
  }
}

TEST_CASE("parse_publish refuses bad specs with code 7 naming the spec") {
  const char* bad[] = {
      "",              // nothing
      "0",             // port 0
      "65536",         // too big
      "abc",           // not a number
      "80:abc",        // host port not a number
      "8080:0",        // container port 0
      "-1",            // negative
      "80/",           // empty protocol
      "80/icmp",       // unknown protocol
      "8000-8001:80",  // ranges of different lengths
      "8000:80-81",    // single host port for a range
      "8000-8002:80-81",
      "90-80",              // backwards range
      "1.2.3:80:80",        // bad IP
      "::1:8080:80",        // IPv6 without brackets
      "[::1:8080:80",       // unclosed bracket
      "[127.0.0.1]:80:80",  // brackets around IPv4
      "[::1]80:80",         // missing colon after bracket
      "[::1]:80",           // no container port after the address
      "1.2.3.4:5:6:7",      // too many parts
      "80:",                // empty container port
      "1.2.3.4:80:",        // empty container port
      "80 ",                // trailing space
      "+80",
  };
  for (const char* spec : bad) {
    INFO("spec: " << spec);
    auto r = parse_publish(spec);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Code::kInvalidConfig);
    CHECK(r.error().msg.find(std::string("`") + spec + "`") != std::string::npos);
  }
}

TEST_CASE("parse_publish explains what is wrong") {
  CHECK(parse_publish("65536").error().details.find("out of range") != std::string::npos);
  CHECK(parse_publish("80/icmp").error().details.find("unknown protocol") != std::string::npos);
  CHECK(parse_publish("8000-8001:80").error().details.find("differ in length") !=
        std::string::npos);
  CHECK(parse_publish("::1:80:80").error().details.find("brackets") != std::string::npos);
}
