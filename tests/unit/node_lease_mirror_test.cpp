// berth-node's reading of berth-ipam's lease directory (node/lease_mirror.h): the files
// named by address are leases, everything else in the directory is not.
#include <sys/stat.h>

#include <fstream>

#include <catch2/catch.hpp>

#include "node/lease_mirror.h"
#include "tests/unit/temp_dir.h"

using berth::IpAddr;
using berth::node::LocalLease;
using berth::node::read_local_leases;

TEST_CASE("node lease mirror / reads leases by address and skips the store's other files") {
  berth::test::TempDir dir;
  const std::string d = dir.path;
  std::ofstream(d + "/10.244.0.2") << "c1\r\neth0";
  std::ofstream(d + "/fd00::5") << "c2\r\nnet1";
  std::ofstream(d + "/10.244.0.3") << "";                // a claim being written: skipped
  std::ofstream(d + "/lock") << "";
  std::ofstream(d + "/last_reserved_ip.0") << "10.244.0.2";
  mkdir((d + "/attachments").c_str(), 0700);
  mkdir((d + "/blocks").c_str(), 0700);
  auto got = read_local_leases(d);
  REQUIRE(got);
  CHECK(got->size() == 2);
  CHECK(got->at(*IpAddr::parse("10.244.0.2")) == LocalLease{"c1", "eth0"});
  CHECK(got->at(*IpAddr::parse("fd00::5")) == LocalLease{"c2", "net1"});
  // A directory berth-ipam never made: no leases, no error.
  auto none = read_local_leases(d + "/absent");
  REQUIRE(none);
  CHECK(none->empty());
}
