// Block affinity's pure parts: cutting a cluster CIDR into blocks, block names, the claim
// record, the local block cache and etcd's prefix range end.
#include <catch2/catch.hpp>

#include "core/etcd/client.h"
#include "core/ipam/block_cache.h"
#include "core/ipam/blocks.h"
#include "tests/unit/temp_dir.h"

using berth::Code;
using berth::Prefix;
using namespace berth::ipam;
using berth::test::TempDir;
using berth::test::spit;

namespace {
Prefix pfx(const char* s) { return *Prefix::parse(s); }
}  // namespace

TEST_CASE("cluster blocks / a CIDR is cut into blocks in address order") {
  auto plan = BlockPlan::make(pfx("10.244.0.0/16"), 26, "ipam.clusterCIDR");
  REQUIRE(plan);
  CHECK(plan->count() == 1024);
  CHECK(plan->block(0) == pfx("10.244.0.0/26"));
  CHECK(plan->block(1) == pfx("10.244.0.64/26"));
  CHECK(plan->block(4) == pfx("10.244.1.0/26"));
  CHECK(plan->block(1023) == pfx("10.244.255.192/26"));
  CHECK(plan->is_block(pfx("10.244.3.128/26")));
  CHECK_FALSE(plan->is_block(pfx("10.244.3.129/26")));  // host bits
  CHECK_FALSE(plan->is_block(pfx("10.244.3.0/25")));    // another size
  CHECK_FALSE(plan->is_block(pfx("10.245.0.0/26")));    // outside

  auto v6 = BlockPlan::make(pfx("fd00:10::/48"), 122, "c");
  REQUIRE(v6);
  CHECK(v6->count() == uint64_t{1} << 63);  // 2^74 blocks: the first 2^63 are used
  CHECK(v6->block(1) == pfx("fd00:10::40/122"));
  CHECK(v6->block(2) == pfx("fd00:10::80/122"));

  auto one = BlockPlan::make(pfx("10.9.0.0/26"), 26, "c");
  REQUIRE(one);
  CHECK(one->count() == 1);
}

TEST_CASE("cluster blocks / bad plans are refused with code 7 naming the field") {
  auto host_bits = BlockPlan::make(pfx("10.244.0.1/16"), 26, "ipam.clusterCIDR");
  REQUIRE_FALSE(host_bits);
  CHECK(host_bits.error().code == Code::kInvalidConfig);
  CHECK_THAT(host_bits.error().what(), Catch::Contains("ipam.clusterCIDR") && Catch::Contains("10.244.0.0/16"));

  auto smaller = BlockPlan::make(pfx("10.244.0.0/28"), 26, "ipam.clusterCIDR");
  REQUIRE_FALSE(smaller);
  CHECK(smaller.error().code == Code::kInvalidConfig);
  CHECK_THAT(smaller.error().what(), Catch::Contains("smaller than one block") && Catch::Contains("blockSize"));

  auto tiny = BlockPlan::make(pfx("10.244.0.0/16"), 31, "c");
  REQUIRE_FALSE(tiny);
  CHECK_THAT(tiny.error().what(), Catch::Contains("at least 4 addresses"));
}

TEST_CASE("cluster blocks / names and claims round-trip") {
  CHECK(block_name(pfx("10.244.1.0/26")) == "10.244.1.0-26");
  CHECK(parse_block_name("10.244.1.0-26") == pfx("10.244.1.0/26"));
  CHECK(parse_block_name("fd00::40-122") == pfx("fd00::40/122"));
  CHECK_FALSE(parse_block_name("10.244.1.1-26"));  // host bits
  CHECK_FALSE(parse_block_name(".10.244.1.0-26.tmp"));
  CHECK_FALSE(parse_block_name("garbage"));

  berth::etcd::KeyValue kv{"/berth/ipam/n/blocks/10.244.1.0-26", claim_value(pfx("10.244.1.0/26"), "node-a"), 5, 7, 1, 0};
  auto c = parse_claim(kv);
  REQUIRE(c);
  CHECK(c->cidr == pfx("10.244.1.0/26"));
  CHECK(c->node == "node-a");
  CHECK(c->revision == 7);
  kv.value = "{\"node\": 3}";
  CHECK_FALSE(parse_claim(kv));
}

TEST_CASE("cluster blocks / the local cache records, lists sorted and forgets") {
  TempDir tmp;
  auto cache = BlockCache::open(tmp.path + "/net", true);
  REQUIRE(cache);
  REQUIRE(cache->record({pfx("10.244.0.64/26"), "n", 9}));
  REQUIRE(cache->record({pfx("10.244.0.0/26"), "n", 4}));
  auto got = cache->load("n");
  REQUIRE(got);
  REQUIRE(got->size() == 2);
  CHECK((*got)[0].cidr == pfx("10.244.0.0/26"));
  CHECK((*got)[0].revision == 4);
  CHECK((*got)[1].cidr == pfx("10.244.0.64/26"));
  REQUIRE(cache->forget(pfx("10.244.0.0/26")));
  CHECK(cache->load("n")->size() == 1);

  auto absent = BlockCache::open(tmp.path + "/other", false);
  REQUIRE(absent);
  CHECK(absent->load("n")->empty());
}

TEST_CASE("cluster blocks / etcd prefix ranges end after the last key with the prefix") {
  using berth::etcd::prefix_end;
  CHECK(prefix_end("/berth/ipam/") == "/berth/ipam0");
  CHECK(prefix_end("a\xff") == "b");
  CHECK(prefix_end("\xff") == std::string(1, '\0'));
}
