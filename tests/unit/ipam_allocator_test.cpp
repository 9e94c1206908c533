// The allocation policy over MemoryStore: round robin, requested addresses, full sets,
// dual stack, duplicates, rollback, and the lease side of DEL/CHECK/GC/STATUS.
#include <catch2/catch.hpp>

#include "core/ipam/memory_store.h"
#include "ipam/allocator.h"

using berth::Code;
using berth::IpAddr;
using namespace berth::ipam;
using nlohmann::json;

namespace {

IpAddr ip(const char* s) { return *IpAddr::parse(s); }

RangeSet set_of(const json& list) {
  auto s = RangeSet::parse(list, "ranges");
  REQUIRE(s);
  return *s;
}

// 10.0.0.0/29: .0 network, .1 gateway, .2-.6 allocatable, .7 broadcast.
std::vector<RangeSet> small_v4() { return {set_of(json::array({{{"subnet", "10.0.0.0/29"}}}))}; }

Attachment att(const std::string& id, const std::string& ifname = "eth0") { return {id, ifname}; }

// The single address `a` gets from `sets`; fails the test on error.
std::string alloc1(Store& s, const std::vector<RangeSet>& sets, const Attachment& a,
                   std::vector<IpAddr> requested = {}) {
  auto r = allocate(s, sets, a, requested);
  INFO((r ? "" : r.error().what()));
  REQUIRE(r);
  REQUIRE(r->size() == 1);
  return (*r)[0].address.addr.str();
}

// Fails every reserve() in range set `fail_set`, as a broken disk would.
class FailingStore : public MemoryStore {
 public:
  int fail_set = 1;
  berth::Result<bool> reserve(const Attachment& a, const IpAddr& addr, int set) override {
    if (set == fail_set) return berth::fail(Code::kStore, "disk on fire");
    return MemoryStore::reserve(a, addr, set);
  }
};

}  // namespace

TEST_CASE("ipam allocator: first address skips the gateway, result carries prefix and gateway") {
  MemoryStore s;
  auto r = allocate(s, small_v4(), att("c1"), {});
  REQUIRE(r);
  REQUIRE(r->size() == 1);
  CHECK((*r)[0].address.str() == "10.0.0.2/29");
  CHECK((*r)[0].gateway == ip("10.0.0.1"));
  CHECK_FALSE((*r)[0].interface);
  CHECK(s.leases.at(ip("10.0.0.2")) == att("c1"));
  CHECK(s.last.at(0) == ip("10.0.0.2"));
}

TEST_CASE("ipam allocator: round robin continues after the last reservation and wraps") {
  MemoryStore s;
  auto sets = small_v4();
  CHECK(alloc1(s, sets, att("a")) == "10.0.0.2");
  CHECK(alloc1(s, sets, att("b")) == "10.0.0.3");
  REQUIRE(release(s, att("a")).value() == 1);
  // .2 is free again, but round robin moves on rather than reusing it at once.
  CHECK(alloc1(s, sets, att("c")) == "10.0.0.4");
  CHECK(alloc1(s, sets, att("d")) == "10.0.0.5");
  CHECK(alloc1(s, sets, att("e")) == "10.0.0.6");
  // Past the end (broadcast .7 and network .0 never handed out): wraps to .2.
  CHECK(alloc1(s, sets, att("f")) == "10.0.0.2");
  CHECK(s.leases.size() == 5);
  CHECK(s.lock_count == 7);  // every call took the lock (and released it: no double lock)
}

TEST_CASE("ipam allocator: a gateway inside the range is skipped") {
  MemoryStore s;
  std::vector<RangeSet> sets{set_of(json::array(
      {{{"subnet", "10.0.0.0/24"}, {"rangeStart", "10.0.0.10"}, {"rangeEnd", "10.0.0.12"},
        {"gateway", "10.0.0.11"}}}))};
  CHECK(alloc1(s, sets, att("a")) == "10.0.0.10");
  CHECK(alloc1(s, sets, att("b")) == "10.0.0.12");
  auto full = allocate(s, sets, att("c"), {});
  REQUIRE_FALSE(full);
  CHECK(full.error().code == Code::kRangeFull);
}

TEST_CASE("ipam allocator: a last reservation outside the set restarts at rangeStart") {
  MemoryStore s;
  s.last[0] = ip("192.168.9.9");  // left over from an older config
  CHECK(alloc1(s, small_v4(), att("a")) == "10.0.0.2");
}

TEST_CASE("ipam allocator: full range set is code 103 naming the set") {
  MemoryStore s;
  auto sets = small_v4();
  for (auto id : {"a", "b", "c", "d", "e"}) alloc1(s, sets, att(id));
  auto r = allocate(s, sets, att("f"), {});
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Code::kRangeFull);
  CHECK(r.error().msg == "no IP addresses available in range set 10.0.0.0/29");
  CHECK(s.leases.size() == 5);
}

TEST_CASE("ipam allocator: dual stack gives one address per set, in set order") {
  MemoryStore s;
  std::vector<RangeSet> sets{set_of(json::array({{{"subnet", "10.0.0.0/24"}}})),
                             set_of(json::array({{{"subnet", "fd00::/64"}}}))};
  auto r = allocate(s, sets, att("a"), {});
  REQUIRE(r);
  REQUIRE(r->size() == 2);
  CHECK((*r)[0].address.str() == "10.0.0.2/24");
  CHECK((*r)[1].address.str() == "fd00::2/64");
  CHECK((*r)[1].gateway == ip("fd00::1"));
  CHECK(s.last.at(1) == ip("fd00::2"));
}

TEST_CASE("ipam allocator: a requested address is used for its set") {
  MemoryStore s;
  std::vector<RangeSet> sets{set_of(json::array({{{"subnet", "10.0.0.0/24"}}})),
                             set_of(json::array({{{"subnet", "fd00::/64"}}}))};
  auto r = allocate(s, sets, att("a"), {ip("fd00::42")});
  REQUIRE(r);
  CHECK((*r)[0].address.str() == "10.0.0.2/24");
  CHECK((*r)[1].address.str() == "fd00::42/64");
  CHECK(s.leases.at(ip("fd00::42")) == att("a"));
}

TEST_CASE("ipam allocator: requested address errors change nothing") {
  MemoryStore s;
  auto sets = small_v4();
  CHECK(alloc1(s, sets, att("holder"), {ip("10.0.0.4")}) == "10.0.0.4");
  struct Case {
    const char* what;
    std::vector<IpAddr> req;
    Code code;
    const char* in_msg;
  };
  const Case cases[] = {
      {"taken", {ip("10.0.0.4")}, Code::kAddressInUse, "10.0.0.4"},
      {"outside every range", {ip("10.9.9.9")}, Code::kInvalidConfig, "10.9.9.9 is not in any range"},
      {"two in one set", {ip("10.0.0.2"), ip("10.0.0.3")}, Code::kInvalidConfig, "both in range set"},
      {"the gateway", {ip("10.0.0.1")}, Code::kInvalidConfig, "10.0.0.1 is reserved"},
  };
  for (const auto& c : cases) {
    INFO(c.what);
    auto r = allocate(s, sets, att("new"), c.req);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == c.code);
    CHECK_THAT(r.error().msg, Catch::Contains(c.in_msg));
    CHECK(s.leases.size() == 1);
  }
  auto taken = allocate(s, sets, att("new"), {ip("10.0.0.4")});
  CHECK_THAT(taken.error().details, Catch::Contains("holder"));  // names the holder's ID
}

TEST_CASE("ipam allocator: a second ADD for the same attachment is refused, nothing changes") {
  MemoryStore s;
  auto sets = small_v4();
  alloc1(s, sets, att("a"));
  auto before = s.leases;
  auto r = allocate(s, sets, att("a"), {});
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Code::kAddressInUse);
  CHECK_THAT(r.error().msg, Catch::Contains("container a ifname eth0 already has an address"));
  CHECK(s.leases == before);
  CHECK(alloc1(s, sets, att("a", "eth1")) == "10.0.0.3");  // another ifname is another attachment
}

TEST_CASE("ipam allocator: a failure in the second set releases the first set's address") {
  std::vector<RangeSet> sets{set_of(json::array({{{"subnet", "10.0.0.0/24"}}})),
                             set_of(json::array({{{"subnet", "10.1.0.0/30"}}}))};
  SECTION("second set full") {
    MemoryStore s;
    s.leases[ip("10.1.0.2")] = att("other");  // the /30's only address
    auto r = allocate(s, sets, att("a"), {});
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Code::kRangeFull);
    CHECK(s.leases.size() == 1);
    CHECK(s.leases.count(ip("10.0.0.2")) == 0);
  }
  SECTION("second set's store write fails") {
    FailingStore s;
    auto r = allocate(s, sets, att("a"), {});
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Code::kStore);
    CHECK(s.leases.empty());
    CHECK(s.lock().has_value());  // the lock was given back
  }
}

TEST_CASE("ipam allocator: DEL releases, falls back to legacy ID-only records, and is idempotent") {
  MemoryStore s;
  s.leases[ip("10.0.0.2")] = att("a");
  s.leases[ip("10.0.0.3")] = att("old", "");
  s.leases[ip("10.0.0.4")] = att("b");
  CHECK(release(s, att("a")).value() == 1);
  CHECK(release(s, att("a")).value() == 0);
  CHECK(release(s, att("old")).value() == 1);
  CHECK(release(s, att("nobody")).value() == 0);
  CHECK(s.leases.size() == 1);
  CHECK(s.leases.count(ip("10.0.0.4")) == 1);
}

TEST_CASE("ipam allocator: CHECK needs an address in every set") {
  MemoryStore s;
  std::vector<RangeSet> sets{set_of(json::array({{{"subnet", "10.0.0.0/24"}}})),
                             set_of(json::array({{{"subnet", "fd00::/64"}}}))};
  REQUIRE(allocate(s, sets, att("a"), {}));
  CHECK(check(s, sets, att("a")).has_value());
  auto none = check(s, sets, att("b"));
  REQUIRE_FALSE(none);
  CHECK(none.error().code == Code::kCheckFailed);
  s.leases.erase(ip("fd00::2"));
  auto half = check(s, sets, att("a"));
  REQUIRE_FALSE(half);
  CHECK_THAT(half.error().msg, Catch::Contains("fd00::/64"));
  s.leases[ip("10.0.0.9")] = att("legacy", "");
  CHECK(check(s, {sets[0]}, att("legacy")).has_value());
}

TEST_CASE("ipam allocator: GC frees unlisted attachments and keeps listed ones") {
  MemoryStore s;
  s.leases[ip("10.0.0.2")] = att("keep");
  s.leases[ip("fd00::2")] = att("keep");
  s.leases[ip("10.0.0.3")] = att("stale");
  s.leases[ip("10.0.0.4")] = att("keep", "eth1");  // same container, other ifname: not listed
  s.leases[ip("10.0.0.5")] = att("keep", "");      // legacy record of a listed container
  auto n = collect_garbage(s, {att("keep")});
  REQUIRE(n);
  CHECK(*n == 2);
  CHECK(s.leases.size() == 3);
  CHECK(s.leases.count(ip("10.0.0.3")) == 0);
  CHECK(s.leases.count(ip("10.0.0.4")) == 0);
  CHECK(collect_garbage(s, {}).value() == 2);  // an empty list frees everything
  CHECK(s.leases.empty());
}

TEST_CASE("ipam allocator: STATUS is code 50 once a set has no free address") {
  MemoryStore s;
  auto sets = small_v4();
  for (auto id : {"a", "b", "c", "d"}) alloc1(s, sets, att(id));
  CHECK(status(s, sets).has_value());
  alloc1(s, sets, att("e"));
  auto r = status(s, sets);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Code::kNotAvailable);
  CHECK(r.error().msg == "no free addresses");
}
