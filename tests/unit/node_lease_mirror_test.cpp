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

TEST_CASE("node lease mirror / a directory mtime from the last clock ticks is not trusted as unchanged") {
  using berth::node::mtime_proves_unchanged;
  constexpr int64_t kSec = 1'000'000'000;
  const int64_t now = 1'800'000'000 * kSec;
  // A lease linked in the tick of the stat, after it, keeps the mtime we saw: re-read.
  CHECK_FALSE(mtime_proves_unchanged(now, now));
  CHECK_FALSE(mtime_proves_unchanged(now - 4'000'000, now));   // one tick at HZ=250
  CHECK_FALSE(mtime_proves_unchanged(now - 10'000'000, now));  // one tick at HZ=100
  CHECK(mtime_proves_unchanged(now - kSec, now));
  CHECK_FALSE(mtime_proves_unchanged(now + kSec, now));        // a clock stepped back
}
