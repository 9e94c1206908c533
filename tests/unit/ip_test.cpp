#include <sys/socket.h>

#include <catch2/catch.hpp>

#include "core/ip.h"

using berth::IpAddr;
using berth::Prefix;

TEST_CASE("IpAddr parses and formats both families") {
  REQUIRE(IpAddr::parse("10.1.2.3")->str() == "10.1.2.3");
  REQUIRE(IpAddr::parse("10.1.2.3")->family() == AF_INET);
  REQUIRE(IpAddr::parse("2001:db8:0:0::5")->str() == "2001:db8::5");
  REQUIRE_FALSE(IpAddr::parse("10.1.2"));
  REQUIRE_FALSE(IpAddr::parse("10.1.2.256"));
  REQUIRE_FALSE(IpAddr::parse(""));
  REQUIRE_FALSE(IpAddr::parse("hello"));
}

TEST_CASE("IpAddr steps with carry and borrow") {
  REQUIRE(IpAddr::parse("10.0.0.255")->next().str() == "10.0.1.0");
  REQUIRE(IpAddr::parse("10.0.1.0")->plus(-1).str() == "10.0.0.255");
  REQUIRE(IpAddr::parse("255.255.255.255")->next().str() == "0.0.0.0");
  REQUIRE(IpAddr::parse("2001:db8::ffff")->next().str() == "2001:db8::1:0");
  REQUIRE(IpAddr::parse("10.0.0.1")->plus(65536).str() == "10.1.0.1");
}

TEST_CASE("Prefix keeps host bits and answers containment") {
  auto p = Prefix::parse("10.88.0.5/16");
  REQUIRE(p);
  REQUIRE(p->str() == "10.88.0.5/16");
  REQUIRE(p->network().str() == "10.88.0.0");
  REQUIRE(p->last().str() == "10.88.255.255");
  REQUIRE_FALSE(p->is_network());
  REQUIRE(p->contains(*IpAddr::parse("10.88.200.1")));
  REQUIRE_FALSE(p->contains(*IpAddr::parse("10.89.0.1")));
  REQUIRE_FALSE(p->contains(*IpAddr::parse("::1")));
  REQUIRE(Prefix::parse("fd00::/64")->last().str() == "fd00::ffff:ffff:ffff:ffff");
  REQUIRE_FALSE(Prefix::parse("10.0.0.0/33"));
  REQUIRE_FALSE(Prefix::parse("10.0.0.0/"));
  REQUIRE_FALSE(Prefix::parse("10.0.0.0"));
  REQUIRE(Prefix::parse("10.0.0.0/8")->overlaps(*Prefix::parse("10.2.0.0/16")));
  REQUIRE_FALSE(Prefix::parse("10.0.0.0/16")->overlaps(*Prefix::parse("10.1.0.0/16")));
}
