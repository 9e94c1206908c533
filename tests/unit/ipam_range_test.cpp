// Range math: defaults, walk order, reserved addresses.
#include <catch2/catch.hpp>

#include "ipam/range_set.h"

using berth::IpAddr;
using berth::ipam::RangeSet;
using nlohmann::json;

namespace {

IpAddr ip(const char* s) { return *IpAddr::parse(s); }

RangeSet set_of(const json& list) {
  auto s = RangeSet::parse(list, "ranges[0]");
  REQUIRE(s);
  return *s;
}

}  // namespace

TEST_CASE("ipam range: IPv4 defaults skip network and broadcast, gateway is network+1") {
  auto r = berth::ipam::parse_range(json{{"subnet", "10.0.0.0/24"}}, "r");
  REQUIRE(r);
  CHECK(r->start == ip("10.0.0.1"));
  CHECK(r->end == ip("10.0.0.254"));
  CHECK(r->gateway == ip("10.0.0.1"));
  CHECK(r->subnet.len == 24);
}

TEST_CASE("ipam range: IPv6 defaults run to the last address") {
  auto r = berth::ipam::parse_range(json{{"subnet", "fd00:1::/64"}}, "r");
  REQUIRE(r);
  CHECK(r->start == ip("fd00:1::1"));
  CHECK(r->end == ip("fd00:1::ffff:ffff:ffff:ffff"));
  CHECK(r->gateway == ip("fd00:1::1"));
}

TEST_CASE("ipam range: explicit start, end and gateway are kept") {
  auto r = berth::ipam::parse_range(
      json{{"subnet", "10.0.0.0/24"}, {"rangeStart", "10.0.0.100"}, {"rangeEnd", "10.0.0.110"},
           {"gateway", "10.0.0.254"}},
      "r");
  REQUIRE(r);
  CHECK(r->start == ip("10.0.0.100"));
  CHECK(r->end == ip("10.0.0.110"));
  CHECK(r->gateway == ip("10.0.0.254"));
  CHECK(r->contains(ip("10.0.0.105")));
  CHECK_FALSE(r->contains(ip("10.0.0.111")));
  CHECK_FALSE(r->contains(ip("fd00::1")));
}

TEST_CASE("ipam range: next walks to the end, on to the next range, and wraps") {
  auto s = set_of(json::array({
      {{"subnet", "10.0.0.0/24"}, {"rangeStart", "10.0.0.10"}, {"rangeEnd", "10.0.0.11"}},
      {{"subnet", "10.0.1.0/24"}, {"rangeStart", "10.0.1.20"}, {"rangeEnd", "10.0.1.21"}},
  }));
  CHECK(s.first() == ip("10.0.0.10"));
  CHECK(s.next(ip("10.0.0.10")) == ip("10.0.0.11"));
  CHECK(s.next(ip("10.0.0.11")) == ip("10.0.1.20"));
  CHECK(s.next(ip("10.0.1.20")) == ip("10.0.1.21"));
  CHECK(s.next(ip("10.0.1.21")) == ip("10.0.0.10"));
  CHECK(s.contains(ip("10.0.1.21")));
  CHECK_FALSE(s.contains(ip("10.0.0.12")));
  CHECK(s.str() == "10.0.0.0/24,10.0.1.0/24");
}

TEST_CASE("ipam range: network, IPv4 broadcast and every gateway are reserved") {
  auto s = set_of(json::array({
      {{"subnet", "10.0.0.0/24"}, {"rangeStart", "10.0.0.0"}, {"rangeEnd", "10.0.0.255"},
       {"gateway", "10.0.0.7"}},
  }));
  CHECK(s.reserved(ip("10.0.0.0")));
  CHECK(s.reserved(ip("10.0.0.255")));
  CHECK(s.reserved(ip("10.0.0.7")));
  CHECK_FALSE(s.reserved(ip("10.0.0.1")));
  auto v6 = set_of(json::array({{{"subnet", "fd00::/120"}, {"rangeEnd", "fd00::ff"}}}));
  CHECK(v6.reserved(ip("fd00::")));
  CHECK(v6.reserved(ip("fd00::1")));  // default gateway
  CHECK_FALSE(v6.reserved(ip("fd00::ff")));  // IPv6 has no broadcast
}

TEST_CASE("ipam range: sets overlap when any of their addresses do") {
  auto a = set_of(json::array({{{"subnet", "10.0.0.0/24"}}}));
  auto b = set_of(json::array({{{"subnet", "10.0.0.0/16"}, {"rangeStart", "10.0.0.200"},
                                {"rangeEnd", "10.0.1.5"}}}));
  auto c = set_of(json::array({{{"subnet", "10.0.0.0/16"}, {"rangeStart", "10.0.1.0"}}}));
  auto v6 = set_of(json::array({{{"subnet", "fd00::/64"}}}));
  CHECK(a.overlaps(b));
  CHECK_FALSE(a.overlaps(c));
  CHECK_FALSE(a.overlaps(v6));
}
