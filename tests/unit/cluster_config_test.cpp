// The cluster store's config (ipam.store, clusterCIDR, blockSize, nodeName): defaults and
// each bad input's code and the field its message names.
#include <catch2/catch.hpp>

#include "ipam/config.h"
#include "tests/unit/temp_dir.h"

using berth::Code;
using namespace berth::ipam;
using berth::test::TempDir;
using berth::test::spit;
using nlohmann::json;

namespace {

json request(json ipam) {
  return json{{"cniVersion", "1.1.0"}, {"name", "net"}, {"type", "berth-bridge"}, {"ipam", ipam}};
}

json cluster(json store = json{{"type", "etcd"}, {"endpoints", {"http://127.0.0.1:2379"}}}) {
  return json{{"type", "berth-ipam"}, {"store", store}, {"clusterCIDR", "10.244.0.0/16"}, {"nodeName", "node1"}};
}

// The error of parsing `ipam`, which must fail with code 7 naming `field`.
void refused(const json& ipam, const std::string& field) {
  auto c = parse_config(request(ipam));
  INFO(ipam.dump());
  REQUIRE_FALSE(c);
  CHECK(c.error().code == Code::kInvalidConfig);
  CHECK_THAT(c.error().what(), Catch::Contains(field));
}

}  // namespace

TEST_CASE("cluster config / the etcd store with its defaults") {
  auto c = parse_config(request(cluster()));
  REQUIRE(c);
  REQUIRE(c->cluster);
  CHECK(c->sets.empty());
  CHECK(c->cluster->node == "node1");
  CHECK(c->cluster->plan.block_len() == 26);
  CHECK(c->cluster->plan.cidr().str() == "10.244.0.0/16");
  CHECK(c->cluster->etcd.prefix == "/berth");
  CHECK(c->cluster->etcd.timeout.count() == 2000);
  CHECK(c->cluster->etcd.endpoints == std::vector<std::string>{"http://127.0.0.1:2379"});

  auto v6 = cluster();
  v6["clusterCIDR"] = "fd00:10::/56";
  auto c6 = parse_config(request(v6));
  REQUIRE(c6);
  CHECK(c6->cluster->plan.block_len() == 122);

  auto disk = parse_config(request(json{{"type", "berth-ipam"}, {"store", {{"type", "disk"}}}, {"subnet", "10.1.0.0/24"}}));
  REQUIRE(disk);
  CHECK_FALSE(disk->cluster);
  CHECK(disk->sets.size() == 1);
}

TEST_CASE("cluster config / explicit prefix, timeout, block size and TLS files") {
  TempDir tmp;
  spit(tmp.path + "/ca.pem", "x");
  spit(tmp.path + "/c.pem", "x");
  spit(tmp.path + "/k.pem", "x");
  auto ipam = cluster(json{{"type", "etcd"},
                           {"endpoints", {"https://10.0.0.1:2379", "https://10.0.0.2:2379"}},
                           {"prefix", "/k8s/berth"},
                           {"timeoutMs", 500},
                           {"tls", {{"ca", tmp.path + "/ca.pem"}, {"cert", tmp.path + "/c.pem"}, {"key", tmp.path + "/k.pem"}}}});
  ipam["blockSize"] = 24;
  auto c = parse_config(request(ipam));
  REQUIRE(c);
  CHECK(c->cluster->etcd.prefix == "/k8s/berth");
  CHECK(c->cluster->etcd.timeout.count() == 500);
  CHECK(c->cluster->etcd.tls.key == tmp.path + "/k.pem");
  CHECK(c->cluster->plan.count() == 256);
}

TEST_CASE("cluster config / bad input is code 7 naming the field") {
  auto with = [](const char* key, json v) {
    auto j = cluster();
    j[key] = v;
    return j;
  };
  auto store_with = [](const char* key, json v) {
    json s{{"type", "etcd"}, {"endpoints", {"http://127.0.0.1:2379"}}};
    s[key] = v;
    return cluster(s);
  };
  refused(cluster(json{{"type", "consul"}}), "ipam.store.type");
  refused(cluster(json{{"type", "etcd"}}), "ipam.store.endpoints");
  refused(cluster(json{{"type", "etcd"}, {"endpoints", json::array()}}), "ipam.store.endpoints");
  refused(store_with("endpoints", {"127.0.0.1:2379"}), "ipam.store.endpoints[0]");
  refused(store_with("endpoints", {"http://127.0.0.1"}), "ipam.store.endpoints[0]");
  refused(store_with("endpoints", {"http://127.0.0.1:2379/v3"}), "ipam.store.endpoints[0]");
  refused(store_with("endpoints", {"http://127.0.0.1:99999"}), "ipam.store.endpoints[0]");
  refused(store_with("prefix", "berth"), "ipam.store.prefix");
  refused(store_with("prefix", "/berth/"), "ipam.store.prefix");
  refused(store_with("timeoutMs", 0), "ipam.store.timeoutMs");
  refused(store_with("timeoutMs", "fast"), "ipam.store.timeoutMs");
  refused(store_with("tls", json{{"ca", "/nonexistent/ca.pem"}}), "ipam.store.tls.ca");
  refused(store_with("tls", json{{"ca", "relative.pem"}}), "ipam.store.tls.ca");
  TempDir tmp;
  spit(tmp.path + "/ca.pem", "x");
  refused(store_with("tls", json{{"ca", tmp.path + "/ca.pem"}}), "every endpoint is http://");
  refused(store_with("tls", json{{"cert", tmp.path + "/ca.pem"}}), "ipam.store.tls");
  refused(with("clusterCIDR", nullptr), "ipam.clusterCIDR");
  refused(with("clusterCIDR", "10.244.0.0"), "ipam.clusterCIDR");
  refused(with("clusterCIDR", "10.244.0.1/16"), "ipam.clusterCIDR");
  refused(with("blockSize", 12), "ipam.blockSize");
  refused(with("blockSize", 31), "ipam.blockSize");
  refused(with("blockSize", "26"), "ipam.blockSize");
  refused(with("blockSize", -1), "ipam.blockSize");
  refused(with("blockSize", 4294967322LL), "ipam.blockSize");  // 2^32 + 26, not /26
  refused(with("blockSize", 18446744073709551615ULL), "ipam.blockSize");
  refused(with("nodeName", "node 1"), "ipam.nodeName");
  refused(with("nodeName", ""), "ipam.nodeName");
  refused(with("ranges", json::array({json::array({{{"subnet", "10.1.0.0/24"}}})})), "ipam.ranges");
  refused(with("subnet", "10.1.0.0/24"), "ipam.subnet");
  auto req = request(cluster());
  req["runtimeConfig"] = {{"ipRanges", json::array({json::array({{{"subnet", "10.1.0.0/24"}}})})}};
  auto c = parse_config(req);
  REQUIRE_FALSE(c);
  CHECK_THAT(c.error().what(), Catch::Contains("runtimeConfig.ipRanges"));
}
