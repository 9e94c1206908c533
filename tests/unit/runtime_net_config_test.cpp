// Network conflists as `network create` writes them, and the subnet choices behind them:
// the default pools, overlaps with other networks and host routes, gateways, ip ranges.
#include <catch2/catch.hpp>

#include "runtime/network/conflist.h"
#include "runtime/network/network_config.h"
#include "runtime/network/pool.h"
#include "runtime/network/subnet_plan.h"

using namespace berth;
using namespace berth::runtime::net;
using nlohmann::json;

namespace {

Prefix pfx(const char* s) { return *Prefix::parse(s); }
IpAddr ip(const char* s) { return *IpAddr::parse(s); }
const std::string kId = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

NetworkSpec spec_with(bool internal, bool icc) {
  NetworkSpec s;
  s.name = "web";
  s.id = kId;
  s.bridge = bridge_name_for(kId);
  s.subnets = {{pfx("10.1.0.0/16"), ip("10.1.0.1"), std::nullopt}};
  s.internal = internal;
  s.icc = icc;
  return s;
}

}  // namespace

TEST_CASE("pick_subnet takes the first pool subnet overlapping nothing taken") {
  CHECK(pick_subnet({})->str() == "172.17.0.0/16");
  std::vector<Prefix> taken = {pfx("172.17.0.0/16"), pfx("172.18.5.0/24")};
  CHECK(pick_subnet(taken)->str() == "172.19.0.0/16");
  // A default route overlaps everything and is ignored; IPv6 routes never collide.
  taken = {pfx("0.0.0.0/0"), pfx("::/0"), pfx("172.16.0.0/12"), pfx("fd00::/8")};
  CHECK(pick_subnet(taken)->str() == "192.168.0.0/20");
  taken = {pfx("172.16.0.0/12"), pfx("192.168.0.0/19")};
  CHECK(pick_subnet(taken)->str() == "192.168.32.0/20");
  taken = {pfx("172.16.0.0/12"), pfx("192.168.0.0/16")};
  CHECK_FALSE(pick_subnet(taken));
  // A host route inside a pool subnet (a VPN's /32) disqualifies the whole subnet.
  taken = {pfx("172.17.3.4/32")};
  CHECK(pick_subnet(taken)->str() == "172.18.0.0/16");
}

TEST_CASE("pick_subnet_v6 derives a ULA /64 from the id") {
  auto p = pick_subnet_v6(kId, {});
  REQUIRE(p);
  CHECK(p->str() == "fd01:2345:6789::/64");
  std::vector<Prefix> taken = {pfx("fd01:2345:6789::/64")};
  CHECK(pick_subnet_v6(kId, taken)->str() == "fd01:2345:6789:1::/64");
}

TEST_CASE("plan_subnets pairs gateways and ranges with their subnets") {
  CreateOptions o;
  o.name = "web";
  o.subnets = {"10.5.0.0/16", "fd10::/64"};
  o.gateways = {"fd10::fe", "10.5.0.254"};
  o.ip_ranges = {"10.5.1.0/24"};
  auto plans = plan_subnets(o, kId, {}, {});
  REQUIRE(plans);
  REQUIRE(plans->size() == 2);
  CHECK((*plans)[0].subnet.str() == "10.5.0.0/16");
  CHECK((*plans)[0].gateway.str() == "10.5.0.254");
  CHECK((*plans)[0].ip_range->str() == "10.5.1.0/24");
  CHECK((*plans)[1].gateway.str() == "fd10::fe");
  CHECK_FALSE((*plans)[1].ip_range);
}

TEST_CASE("plan_subnets fills gaps from the pools") {
  CreateOptions o;
  o.name = "web";
  std::vector<TakenSubnet> nets = {{pfx("172.17.0.0/16"), "bridge"}};
  std::vector<Prefix> routes = {pfx("172.18.0.0/16"), pfx("0.0.0.0/0")};
  auto plans = plan_subnets(o, kId, nets, routes);
  REQUIRE(plans);
  REQUIRE(plans->size() == 1);
  CHECK((*plans)[0].subnet.str() == "172.19.0.0/16");
  CHECK((*plans)[0].gateway.str() == "172.19.0.1");
  // --ipv6 alone adds a ULA; an IPv6-only --subnet still gets an IPv4 subnet first.
  o.ipv6 = true;
  plans = plan_subnets(o, kId, nets, routes);
  REQUIRE(plans->size() == 2);
  CHECK((*plans)[1].subnet.str() == "fd01:2345:6789::/64");
  o.subnets = {"fd20::/64"};
  plans = plan_subnets(o, kId, nets, routes);
  REQUIRE(plans->size() == 2);
  CHECK((*plans)[0].subnet.str() == "172.19.0.0/16");
  CHECK((*plans)[1].subnet.str() == "fd20::/64");
}

TEST_CASE("plan_subnets refuses what cannot work, naming it") {
  std::vector<TakenSubnet> nets = {{pfx("10.9.0.0/16"), "other"}};
  struct Case {
    std::vector<std::string> subnets, gateways, ranges;
    const char* expect;
  };
  const Case cases[] = {
      {{"10.9.3.0/24"}, {}, {}, "overlaps network `other`"},
      {{"10.0.0.0/8"}, {}, {}, "overlaps network `other`"},
      {{"10.1.0.0/16", "10.1.2.0/24"}, {}, {}, "overlap"},
      {{"10.1.0.5/16"}, {}, {}, "invalid subnet"},
      {{"nonsense"}, {}, {}, "invalid subnet"},
      {{"10.1.0.0/31"}, {}, {}, "too small"},
      {{"10.1.0.0/16"}, {"10.2.0.1"}, {}, "gateway `10.2.0.1` is in none"},
      {{"10.1.0.0/16"}, {"10.1.0.0"}, {}, "network or broadcast"},
      {{"10.1.0.0/16"}, {"10.1.0.1", "10.1.0.2"}, {}, "two gateways"},
      {{"10.1.0.0/16"}, {"x"}, {}, "invalid gateway"},
      {{"10.1.0.0/16"}, {}, {"10.0.0.0/8"}, "in none"},
      {{"10.1.0.0/16"}, {}, {"10.1.0.5/24"}, "invalid ip range"},
      {{"10.1.0.0/16"}, {}, {"10.2.0.0/24"}, "in none"},
      {{}, {"10.1.0.1"}, {}, "need --subnet"},
  };
  for (const auto& c : cases) {
    CreateOptions o;
    o.name = "web";
    o.subnets = c.subnets;
    o.gateways = c.gateways;
    o.ip_ranges = c.ranges;
    auto r = plan_subnets(o, kId, nets, {});
    INFO(c.expect);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Code::kInvalidConfig);
    CHECK(r.error().msg.find(c.expect) != std::string::npos);
  }
}

TEST_CASE("make_conflist writes berth-bridge with berth-ipam ranges") {
  auto c = make_conflist(spec_with(false, true));
  CHECK(c["cniVersion"] == "1.1.0");
  CHECK(c["name"] == "web");
  CHECK(c[kIdKey] == kId);
  CHECK_FALSE(c.contains(kIpRangesKey));
  REQUIRE(c["plugins"].size() == 1);
  const json& b = c["plugins"][0];
  CHECK(b["type"] == "berth-bridge");
  CHECK(b["bridge"] == "br-0123456789ab");
  CHECK(b["isGateway"] == true);
  CHECK(b["isDefaultGateway"] == true);
  CHECK(b["ipMasq"] == true);
  CHECK(b["hairpinMode"] == true);
  CHECK(b["capabilities"] == json({{"portMappings", true}, {"ips", true}, {"mac", true}}));
  CHECK_FALSE(b.contains("internal"));
  CHECK_FALSE(b.contains("icc"));
  CHECK(b["ipam"]["type"] == "berth-ipam");
  CHECK(b["ipam"]["ranges"] == json::parse(R"([[{"subnet":"10.1.0.0/16","gateway":"10.1.0.1"}]])"));
  CHECK(b["ipam"]["routes"] == json::parse(R"([{"dst":"0.0.0.0/0"}])"));
  CHECK_FALSE(b["ipam"].contains("dataDir"));
  // What berth writes, berth (and libcni) can load.
  auto list = parse_conflist(c.dump());
  REQUIRE(list);
  CHECK(list->version == "1.1.0");
  CHECK(list->plugins.size() == 1);
}

TEST_CASE("make_conflist: internal and icc=false become bridge keys / no way out") {
  auto s = spec_with(true, false);
  s.ipam_data_dir = "/tmp/ipam";
  s.subnets.push_back({pfx("fd10::/64"), ip("fd10::1"), std::nullopt});
  s.subnets[0].ip_range = pfx("10.1.0.0/24");
  auto c = make_conflist(s);
  const json& b = c["plugins"][0];
  CHECK(b["internal"] == true);
  CHECK(b["icc"] == false);
  CHECK_FALSE(b.contains("isDefaultGateway"));
  CHECK_FALSE(b.contains("ipMasq"));
  CHECK(b["isGateway"] == true);
  CHECK_FALSE(b["ipam"].contains("routes"));
  CHECK(b["ipam"]["dataDir"] == "/tmp/ipam");
  CHECK(b["ipam"]["ranges"][0][0]["rangeStart"] == "10.1.0.1");  // never the network address
  CHECK(b["ipam"]["ranges"][0][0]["rangeEnd"] == "10.1.0.255");
  CHECK(b["ipam"]["ranges"][1][0]["subnet"] == "fd10::/64");
  CHECK(c[kIpRangesKey] == json::array({"10.1.0.0/24"}));
}

TEST_CASE("make_conflist: an ip range ending the subnet stops before the broadcast") {
  auto s = spec_with(false, true);
  s.subnets[0].ip_range = pfx("10.1.255.0/24");
  auto c = make_conflist(s);
  CHECK(c["plugins"][0]["ipam"]["ranges"][0][0]["rangeStart"] == "10.1.255.1");
  CHECK(c["plugins"][0]["ipam"]["ranges"][0][0]["rangeEnd"] == "10.1.255.254");
  CHECK(c["plugins"][0]["ipam"]["routes"] == json::parse(R"([{"dst":"0.0.0.0/0"}])"));
}

TEST_CASE("info_from_conflist reads back what make_conflist wrote") {
  auto s = spec_with(true, false);
  s.subnets.push_back({pfx("fd10::/64"), ip("fd10::1"), pfx("fd10::/80")});
  auto info = info_from_conflist(make_conflist(s));
  REQUIRE(info);
  CHECK(info->name == "web");
  CHECK(info->id == kId);
  CHECK(info->driver == "bridge");
  CHECK(info->bridge == "br-0123456789ab");
  CHECK(info->internal);
  CHECK_FALSE(info->icc);
  REQUIRE(info->subnets.size() == 2);
  CHECK(info->subnets[1].str() == "fd10::/64");
  CHECK(info->gateways[0].str() == "10.1.0.1");
  CHECK(info->ip_ranges == std::vector<std::string>{"fd10::/80"});
  // Not berth's: no id.
  auto foreign = json::parse(R"({"cniVersion":"1.0.0","name":"x","plugins":[{"type":"bridge"}]})");
  CHECK_FALSE(info_from_conflist(foreign));
}

TEST_CASE("parse_conflist validates and selects the highest supported version") {
  auto ok = parse_conflist(
      R"({"cniVersion":"0.4.0","cniVersions":["1.0.0","9.9.9"],"name":"n","plugins":[{"type":"a"}]})");
  REQUIRE(ok);
  CHECK(ok->version == "1.0.0");
  CHECK(parse_conflist("{").error().code == Code::kDecode);
  CHECK(parse_conflist(R"({"cniVersion":"1.0.0","name":"n","plugins":[]})").error().code ==
        Code::kInvalidConfig);
  CHECK(parse_conflist(R"({"cniVersion":"1.0.0","name":"a/b","plugins":[{"type":"a"}]})")
            .error()
            .code == Code::kInvalidConfig);
  CHECK(parse_conflist(R"({"cniVersion":"1.0.0","name":"n","plugins":[{}]})").error().code ==
        Code::kInvalidConfig);
  CHECK(parse_conflist(R"({"cniVersion":"2.0.0","name":"n","plugins":[{"type":"a"}]})")
            .error()
            .code == Code::kIncompatibleVersion);
  auto gc = parse_conflist(
      R"({"cniVersion":"1.1.0","name":"n","disableGC":"TRUE","plugins":[{"type":"a"}]})");
  REQUIRE(gc);
  CHECK(gc->disable_gc);
}
