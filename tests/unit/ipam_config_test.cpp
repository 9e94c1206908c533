// berth-ipam config: each bad input's code and message, defaults, ordering of range
// sets, requested addresses and GC's attachment list.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include <catch2/catch.hpp>

#include "ipam/config.h"
#include "ipam/resolv_conf.h"

using berth::Code;
using berth::IpAddr;
using namespace berth::ipam;
using nlohmann::json;

namespace {

json request(json ipam) {
  return json{{"cniVersion", "1.1.0"}, {"name", "net"}, {"type", "berth-ipam"}, {"ipam", ipam}};
}

json ranges(json sets) { return json{{"type", "berth-ipam"}, {"ranges", sets}}; }

IpAddr ip(const char* s) { return *IpAddr::parse(s); }

}  // namespace

TEST_CASE("ipam config: invalid configs are code 7 naming the key and value") {
  struct Case {
    const char* what;
    json req;
    const char* in_msg;  // must appear in msg
  };
  const json v4 = {{"subnet", "10.0.0.0/24"}};
  const Case cases[] = {
      {"no ipam", json{{"cniVersion", "1.1.0"}, {"name", "net"}}, "ipam"},
      {"ipam not an object", request("x"), "ipam"},
      {"no ranges", request(json{{"type", "berth-ipam"}}), "no IP ranges"},
      {"ranges not a list", request(ranges("10.0.0.0/24")), "ipam.ranges"},
      {"empty set", request(ranges(json::array({json::array()}))), "ipam.ranges[0]"},
      {"range not an object", request(ranges(json::array({json::array({"x"})}))), "ipam.ranges[0][0]"},
      {"subnet missing", request(ranges(json::array({json::array({json::object()})}))),
       "ipam.ranges[0][0].subnet"},
      {"subnet not CIDR", request(ranges(json::array({json::array({{{"subnet", "10.0.0.0"}}})}))),
       "ipam.ranges[0][0].subnet `10.0.0.0`"},
      {"subnet host bits", request(ranges(json::array({json::array({{{"subnet", "10.0.0.1/24"}}})}))),
       "ipam.ranges[0][0].subnet `10.0.0.1/24`"},
      {"subnet /31", request(ranges(json::array({json::array({{{"subnet", "10.0.0.0/31"}}})}))),
       "`10.0.0.0/31`"},
      {"subnet /32", request(ranges(json::array({json::array({{{"subnet", "10.0.0.1/32"}}})}))),
       "`10.0.0.1/32`"},
      {"subnet /127", request(ranges(json::array({json::array({{{"subnet", "fd00::/127"}}})}))),
       "`fd00::/127`"},
      {"subnet /128", request(ranges(json::array({json::array({{{"subnet", "fd00::/128"}}})}))),
       "`fd00::/128`"},
      {"subnet not a string", request(ranges(json::array({json::array({{{"subnet", 24}}})}))),
       "ipam.ranges[0][0].subnet"},
      {"start outside", request(ranges(json::array({json::array({{{"subnet", "10.0.0.0/24"}, {"rangeStart", "10.0.1.1"}}})}))),
       "ipam.ranges[0][0].rangeStart `10.0.1.1`"},
      {"end outside", request(ranges(json::array({json::array({{{"subnet", "10.0.0.0/24"}, {"rangeEnd", "10.9.0.1"}}})}))),
       "ipam.ranges[0][0].rangeEnd `10.9.0.1`"},
      {"end before start", request(ranges(json::array({json::array({{{"subnet", "10.0.0.0/24"}, {"rangeStart", "10.0.0.9"}, {"rangeEnd", "10.0.0.5"}}})}))),
       "ipam.ranges[0][0].rangeEnd `10.0.0.5`"},
      {"start wrong family", request(ranges(json::array({json::array({{{"subnet", "10.0.0.0/24"}, {"rangeStart", "fd00::1"}}})}))),
       "rangeStart `fd00::1`"},
      {"gateway not an address", request(ranges(json::array({json::array({{{"subnet", "10.0.0.0/24"}, {"gateway", "gw"}}})}))),
       "ipam.ranges[0][0].gateway `gw`"},
      {"mixed families in a set", request(ranges(json::array({json::array({v4, {{"subnet", "fd00::/64"}}})}))),
       "ipam.ranges[0][1].subnet `fd00::/64`"},
      {"overlapping ranges", request(ranges(json::array({json::array({v4, {{"subnet", "10.0.0.0/16"}}})}))),
       "ipam.ranges[0][1].subnet `10.0.0.0/16`"},
      {"overlapping sets", request(ranges(json::array({json::array({v4}), json::array({{{"subnet", "10.0.0.128/25"}}})}))),
       "ipam.ranges[1] `10.0.0.128/25`"},
      {"legacy subnet bad", request(json{{"subnet", "10.0.0.5/24"}}), "ipam.subnet `10.0.0.5/24`"},
      {"legacy overlaps ranges", request(json{{"subnet", "10.0.0.0/24"}, {"ranges", json::array({json::array({v4})})}}),
       "ipam.ranges[0] `10.0.0.0/24`"},
      {"relative dataDir", request(json{{"subnet", "10.0.0.0/24"}, {"dataDir", "var/lib"}}), "ipam.dataDir"},
      {"dataDir with ..", request(json{{"subnet", "10.0.0.0/24"}, {"dataDir", "/var/../etc"}}), "ipam.dataDir"},
      {"dataDir not a string", request(json{{"subnet", "10.0.0.0/24"}, {"dataDir", 5}}), "ipam.dataDir"},
      {"bad route", request(json{{"subnet", "10.0.0.0/24"}, {"routes", json::array({{{"dst", "nowhere"}}})}}),
       "ipam.routes"},
      // The kernel refuses a next hop that is on no link, but only when the plugin adds the
      // route, after it made the links (issue 14).
      {"route gw in no range", request(json{{"subnet", "10.0.0.0/24"}, {"routes", json::array({{{"dst", "192.168.0.0/16"}, {"gw", "172.16.0.1"}}})}}),
       "ipam.routes[0].gw `172.16.0.1`"},
      {"route gw of a family no range has", request(json{{"subnet", "10.0.0.0/24"}, {"routes", json::array({{{"dst", "0.0.0.0/0"}}, {{"dst", "::/0"}, {"gw", "fd00::1"}}})}}),
       "ipam.routes[1].gw `fd00::1`"},
      {"route gw of another family than dst", request(json{{"subnet", "10.0.0.0/24"}, {"routes", json::array({{{"dst", "0.0.0.0/0"}, {"gw", "fd00::1"}}})}}),
       "ipam.routes[0].gw `fd00::1`"},
      {"resolvConf missing", request(json{{"subnet", "10.0.0.0/24"}, {"resolvConf", "/nonexistent/resolv.conf"}}),
       "ipam.resolvConf `/nonexistent/resolv.conf`"},
      {"resolvConf relative", request(json{{"subnet", "10.0.0.0/24"}, {"resolvConf", "etc/resolv.conf"}}),
       "ipam.resolvConf"},
      {"resolvConf a device", request(json{{"subnet", "10.0.0.0/24"}, {"resolvConf", "/dev/null"}}),
       "ipam.resolvConf `/dev/null`"},
  };
  for (const auto& c : cases) {
    INFO(c.what);
    auto cfg = parse_config(c.req);
    REQUIRE_FALSE(cfg);
    CHECK(cfg.error().code == Code::kInvalidConfig);
    CHECK_THAT(cfg.error().msg, Catch::Contains(c.in_msg));
  }
}

TEST_CASE("ipam config: a route's gw may be in any range's subnet or be a range's gateway") {
  // berth-ptp reaches a gateway outside the subnet through an on-link /32 (as the
  // reference ptp does), so such a gateway, and routes through it, stay valid here.
  json i = {{"type", "berth-ipam"},
            {"ranges", json::array({json::array({{{"subnet", "10.0.0.0/24"}, {"gateway", "169.254.1.1"}}}),
                                    json::array({{{"subnet", "fd00::/64"}}})})},
            {"routes", json::array({{{"dst", "0.0.0.0/0"}, {"gw", "169.254.1.1"}},
                                    {{"dst", "192.168.0.0/16"}, {"gw", "10.0.0.254"}},
                                    {{"dst", "fd01::/64"}, {"gw", "fd00::9"}},
                                    {{"dst", "::/0"}}})}};
  auto cfg = parse_config(request(i));
  INFO((cfg ? "" : cfg.error().what()));
  REQUIRE(cfg);
  CHECK(cfg->routes.size() == 4);
  CHECK(cfg->sets[0].ranges()[0].gateway == ip("169.254.1.1"));
  CHECK(cfg->sets[0].ranges()[0].key == "ipam.ranges[0][0]");
}

TEST_CASE("ipam config: runtimeConfig.ipRanges errors name runtimeConfig") {
  json req = request(json{{"type", "berth-ipam"}});
  req["runtimeConfig"] = {{"ipRanges", json::array({json::array({{{"subnet", "10.0.0.0/33"}}})})}};
  auto cfg = parse_config(req);
  REQUIRE_FALSE(cfg);
  CHECK(cfg.error().code == Code::kInvalidConfig);
  CHECK_THAT(cfg.error().msg, Catch::Contains("runtimeConfig.ipRanges[0][0].subnet `10.0.0.0/33`"));
}

TEST_CASE("ipam config: set order is ipRanges, legacy range, ranges, keys case-insensitive") {
  json req = request(json{{"subnet", "10.2.0.0/24"},
                          {"ranges", json::array({json::array({{{"subnet", "10.3.0.0/24"}}})})}});
  // containerd capitalises the keys of capability args.
  req["runtimeConfig"] = {{"ipRanges", json::array({json::array({{{"Subnet", "10.1.0.0/24"},
                                                                   {"RangeStart", "10.1.0.50"},
                                                                   {"Gateway", "10.1.0.254"}}})})}};
  auto cfg = parse_config(req);
  REQUIRE(cfg);
  REQUIRE(cfg->sets.size() == 3);
  CHECK(cfg->sets[0].str() == "10.1.0.0/24");
  CHECK(cfg->sets[0].first() == ip("10.1.0.50"));
  CHECK(cfg->sets[0].ranges()[0].gateway == ip("10.1.0.254"));
  CHECK(cfg->sets[1].str() == "10.2.0.0/24");
  CHECK(cfg->sets[2].str() == "10.3.0.0/24");
  CHECK(cfg->data_dir == "/var/lib/cni/networks");
}

TEST_CASE("ipam config: routes, dataDir and resolvConf are read") {
  char path[] = "/tmp/berth-resolv-XXXXXX";
  int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  std::string text =
      "# comment\nnameserver 10.0.0.53\nnameserver fd00::53\ndomain example.com\n"
      "search a.example b.example\noptions ndots:5 edns0\n";
  REQUIRE(write(fd, text.data(), text.size()) == ssize_t(text.size()));
  close(fd);
  auto cfg = parse_config(request(json{{"subnet", "10.0.0.0/24"},
                                       {"dataDir", "/run/berth/ipam"},
                                       {"resolvConf", path},
                                       {"routes", json::array({{{"dst", "0.0.0.0/0"}},
                                                               {{"dst", "192.168.0.0/16"}, {"gw", "10.0.0.254"}}})}}));
  unlink(path);
  REQUIRE(cfg);
  CHECK(cfg->data_dir == "/run/berth/ipam");
  REQUIRE(cfg->routes.size() == 2);
  CHECK(cfg->routes[0].dst.str() == "0.0.0.0/0");
  CHECK_FALSE(cfg->routes[0].gw);
  CHECK(cfg->routes[1].gw == ip("10.0.0.254"));
  CHECK(cfg->dns.nameservers == std::vector<std::string>{"10.0.0.53", "fd00::53"});
  CHECK(cfg->dns.domain == "example.com");
  CHECK(cfg->dns.search == std::vector<std::string>{"a.example", "b.example"});
  CHECK(cfg->dns.options == std::vector<std::string>{"ndots:5", "edns0"});
}

TEST_CASE("ipam config: DEL and GC need only dataDir") {
  // Broken ranges must not stop a release.
  auto dir = parse_data_dir(request(json{{"subnet", "bogus"}, {"dataDir", "/srv/leases"}}));
  REQUIRE(dir);
  CHECK(*dir == "/srv/leases");
  CHECK(*parse_data_dir(request(json{{"type", "berth-ipam"}})) == "/var/lib/cni/networks");
}

TEST_CASE("ipam config: requested addresses merge runtimeConfig.ips, args.cni.ips and CNI_ARGS IP") {
  json req = request(json{{"subnet", "10.0.0.0/24"}});
  req["runtimeConfig"] = {{"ips", {"10.0.0.5/24", "fd00::5"}}};
  req["args"] = {{"cni", {{"ips", {"10.0.0.6", "10.0.0.5"}}}}};
  auto ips = requested_ips(req, "IgnoreUnknown=1;K8S_POD_NAME=x;IP=10.0.0.7,10.0.0.8/24");
  REQUIRE(ips);
  CHECK(*ips == std::vector<IpAddr>{ip("10.0.0.5"), ip("fd00::5"), ip("10.0.0.6"), ip("10.0.0.7"),
                                    ip("10.0.0.8")});
  CHECK(requested_ips(request(json::object()), "")->empty());
}

TEST_CASE("ipam config: bad requested addresses: code 7 in the config, code 4 in CNI_ARGS") {
  json req = request(json{{"subnet", "10.0.0.0/24"}});
  req["runtimeConfig"] = {{"ips", {"10.0.0.300"}}};
  auto r = requested_ips(req, "");
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Code::kInvalidConfig);
  CHECK_THAT(r.error().msg, Catch::Contains("runtimeConfig.ips[0] `10.0.0.300`"));

  req = request(json{{"subnet", "10.0.0.0/24"}});
  req["args"] = {{"cni", {{"ips", "10.0.0.5"}}}};
  CHECK(requested_ips(req, "").error().code == Code::kInvalidConfig);

  auto e = requested_ips(request(json::object()), "IP=10.0.0.1,banana");
  REQUIRE_FALSE(e);
  CHECK(e.error().code == Code::kInvalidEnv);
  CHECK_THAT(e.error().msg, Catch::Contains("banana"));
  CHECK(requested_ips(request(json::object()), "FOO=1").error().code == Code::kInvalidEnv);
}

TEST_CASE("ipam config: GC attachment list, new key first, old key as fallback") {
  json req = request(json{{"subnet", "10.0.0.0/24"}});
  CHECK(valid_attachments(req)->empty());
  req["cni.dev/attachments"] = {{{"containerID", "old"}, {"ifname", "eth0"}}};
  REQUIRE(valid_attachments(req)->size() == 1);
  CHECK((*valid_attachments(req))[0].container_id == "old");
  req["cni.dev/valid-attachments"] = {{{"containerID", "new"}, {"ifname", "eth1"}}};
  auto list = valid_attachments(req);
  REQUIRE(list->size() == 1);
  CHECK((*list)[0] == Attachment{"new", "eth1"});
  req["cni.dev/valid-attachments"] = {{{"containerID", "x"}}};
  auto bad = valid_attachments(req);
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == Code::kInvalidConfig);
}

TEST_CASE("ipam resolv.conf: the last search line wins, comments skipped") {
  auto d = parse_resolv_conf("search a\n; x\nsearch b c\nnameserver\n");
  CHECK(d.search == std::vector<std::string>{"b", "c"});
  CHECK(d.nameservers.empty());
}

TEST_CASE("ipam config: a FIFO as resolvConf is refused at once instead of hanging ADD") {
  char dir[] = "/tmp/berth-fifo-XXXXXX";
  REQUIRE(mkdtemp(dir));
  const std::string fifo = std::string(dir) + "/resolv.conf";
  REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
  auto cfg = parse_config(request(json{{"subnet", "10.0.0.0/24"}, {"resolvConf", fifo}}));
  unlink(fifo.c_str());
  rmdir(dir);
  REQUIRE_FALSE(cfg);
  CHECK(cfg.error().code == Code::kInvalidConfig);
  CHECK_THAT(cfg.error().details, Catch::Contains("not a regular file"));
}
