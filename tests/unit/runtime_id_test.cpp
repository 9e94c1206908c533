// Container IDs and names, reference lookup, image references.
#include <catch2/catch.hpp>
#include <set>

#include "runtime/container/connect.h"
#include "runtime/container/id.h"
#include "runtime/image/ref.h"

using namespace berth;
using namespace berth::runtime;

TEST_CASE("IDs are 64 lower-case hex digits and differ", "[runtime][id]") {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    std::string id = new_id();
    REQUIRE(id.size() == 64);
    CHECK(id.find_first_not_of("0123456789abcdef") == std::string::npos);
    seen.insert(id);
  }
  CHECK(seen.size() == 100);
  CHECK(short_id("0123456789abcdef0123") == "0123456789ab");
}

TEST_CASE("container names follow Docker's rule", "[runtime][id]") {
  for (const char* ok : {"web", "a1", "my_app.v2-x", "A-b"}) CHECK(valid_name(ok));
  for (const char* bad : {"", "a", "_web", "-web", ".web", "we b", "web/1", "wéb"}) {
    INFO(bad);
    CHECK_FALSE(valid_name(bad));
  }
  CHECK(valid_name(random_name(12345)));
  CHECK(random_name(1) != random_name(2));
}

TEST_CASE("references resolve by name, full ID, then unique prefix", "[runtime][id]") {
  std::vector<IdName> all = {
      {"aaaa1111" + std::string(56, '0'), "web"},
      {"aaaa2222" + std::string(56, '0'), "db"},
      {"bbbb" + std::string(60, '1'), "aaaa1111"},  // a name that looks like an ID prefix
  };
  CHECK(*resolve_ref("web", all) == all[0].id);
  CHECK(*resolve_ref("/db", all) == all[1].id);
  CHECK(*resolve_ref(all[1].id, all) == all[1].id);
  CHECK(*resolve_ref("bbbb", all) == all[2].id);
  CHECK(*resolve_ref("aaaa1111", all) == all[2].id);  // names win over prefixes, as in Docker
  auto ambiguous = resolve_ref("aaaa", all);
  REQUIRE_FALSE(ambiguous);
  CHECK(ambiguous.error().msg.find("multiple") != std::string::npos);
  auto missing = resolve_ref("nope", all);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == Code::kUnknownContainer);
  CHECK(missing.error().msg.find("`nope`") != std::string::npos);
  CHECK_FALSE(resolve_ref("", all));
}

TEST_CASE("image references", "[runtime][image]") {
  auto r = parse_image_ref("busybox");
  REQUIRE(r);
  CHECK(r->name == "busybox");
  CHECK(r->tag == "latest");
  CHECK(r->str() == "busybox:latest");
  CHECK(r->dir_name() == "busybox");
  auto t = parse_image_ref("my/app:1.0-rc_1");
  REQUIRE(t);
  CHECK(t->name == "my/app");
  CHECK(t->tag == "1.0-rc_1");
  CHECK(t->dir_name() == "my%2Fapp%3A1.0-rc_1");
  CHECK(parse_image_ref("a.b__c-d---e")->name == "a.b__c-d---e");
  for (const char* bad : {"", "Busybox", "a//b", "-a", "a-", "a:", "a:-x", "a@sha256:00", "a/",
                          "a b", "a___b", "a:tag:more"}) {
    INFO(bad);
    CHECK_FALSE(parse_image_ref(bad));
  }
}

TEST_CASE("connect picks the first free ethN", "[runtime][id]") {
  CHECK(next_ifname({}) == "eth0");
  CHECK(next_ifname({"eth0"}) == "eth1");
  CHECK(next_ifname({"eth0", "eth2"}) == "eth1");
  CHECK(next_ifname({"eth1", "eth0"}) == "eth2");
}
