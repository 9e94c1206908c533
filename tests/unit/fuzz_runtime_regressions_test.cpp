// Inputs the runtime's fuzz targets (tests/fuzz) found.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "runtime/container/parse.h"

TEST_CASE("expose of the whole port range keeps every port once", "[fuzz][runtime]") {
  std::vector<std::string> out = {"80/tcp"};
  REQUIRE(berth::runtime::parse_expose("1-65535", out));
  CHECK(out.size() == 65535);
  CHECK(out.front() == "80/tcp");
  CHECK(out.back() == "65535/tcp");
  REQUIRE(berth::runtime::parse_expose("79-81/tcp", out));
  CHECK(out.size() == 65535);
}
