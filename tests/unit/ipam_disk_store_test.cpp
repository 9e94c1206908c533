// DiskStore against a temporary directory: host-local's file layout and modes, the
// attachment index, indexing a host-local directory, symlink safety, the bounded lock.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <string>

#include <catch2/catch.hpp>

#include "core/ipam/disk_store.h"
#include "tests/unit/temp_dir.h"

using berth::Code;
using berth::IpAddr;
using namespace berth::ipam;
using namespace berth::test;
using namespace std::chrono_literals;

namespace {

IpAddr ip(const char* s) { return *IpAddr::parse(s); }

mode_t mode_of(const std::string& path) {
  struct stat st {};
  REQUIRE(lstat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

std::unique_ptr<DiskStore> open_store(const std::string& data_dir, bool create = true) {
  auto s = DiskStore::open(data_dir, "net", create, 300ms);
  REQUIRE(s);
  return std::move(*s);
}

}  // namespace

TEST_CASE("ipam disk store: a missing network directory is 'nothing leased', not an error") {
  TempDir t;
  CHECK(open_store(t.path + "/data", false) == nullptr);
  CHECK_FALSE(exists(t.path + "/data"));
}

TEST_CASE("ipam disk store: leases are host-local files, 0600 in a 0700 directory") {
  TempDir t;
  auto s = open_store(t.path + "/data");
  REQUIRE(s->lock());
  const Attachment a{"c1", "eth0"};
  CHECK(s->reserve(a, ip("10.0.0.2"), 0).value());
  CHECK(s->reserve(a, ip("fd00::2"), 1).value());
  CHECK_FALSE(s->reserve(Attachment{"c2", "eth0"}, ip("10.0.0.2"), 0).value());
  const std::string dir = t.path + "/data/net";
  CHECK(slurp(dir + "/10.0.0.2") == "c1\r\neth0");
  CHECK(slurp(dir + "/fd00::2") == "c1\r\neth0");
  CHECK(slurp(dir + "/last_reserved_ip.0") == "10.0.0.2");
  CHECK(slurp(dir + "/last_reserved_ip.1") == "fd00::2");
  CHECK(mode_of(dir) == 0700);
  CHECK(mode_of(t.path + "/data") == 0700);
  CHECK(mode_of(dir + "/10.0.0.2") == 0600);
  CHECK(mode_of(dir + "/last_reserved_ip.0") == 0600);
  CHECK(mode_of(dir + "/attachments") == 0700);
  CHECK(mode_of(dir + "/attachments/c1@eth0") == 0600);

  CHECK(s->last_reserved(0).value() == ip("10.0.0.2"));
  CHECK_FALSE(s->last_reserved(7).value());
  CHECK(s->leases_of(a).value() == std::vector<IpAddr>{ip("10.0.0.2"), ip("fd00::2")});
  CHECK(s->holder(ip("10.0.0.2")).value() == a);
  CHECK_FALSE(s->holder(ip("10.0.0.3")).value());
  CHECK(s->attachments().value() == std::vector<Attachment>{a});

  CHECK(s->release(a).value() == 2);
  CHECK_FALSE(exists(dir + "/10.0.0.2"));
  CHECK_FALSE(exists(dir + "/fd00::2"));
  CHECK_FALSE(exists(dir + "/attachments/c1@eth0"));
  CHECK(s->attachments().value().empty());
  CHECK(s->release(a).value() == 0);
  s->unlock();
}

TEST_CASE("ipam disk store: every operation needs the lock") {
  TempDir t;
  auto s = open_store(t.path);
  auto r = s->reserve(Attachment{"c1", "eth0"}, ip("10.0.0.2"), 0);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Code::kInternal);
  CHECK_FALSE(exists(t.path + "/net/10.0.0.2"));
}

TEST_CASE("ipam disk store: the lock waits a bounded time, then code 11") {
  TempDir t;
  auto s = open_store(t.path);
  // flock conflicts between two open file descriptions, even in one process.
  int other = ::open((t.path + "/net/lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  REQUIRE(other >= 0);
  REQUIRE(flock(other, LOCK_EX) == 0);
  auto t0 = std::chrono::steady_clock::now();
  auto r = s->lock();
  auto waited = std::chrono::steady_clock::now() - t0;
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Code::kTryAgainLater);
  CHECK(waited >= 300ms);
  CHECK(waited < 2s);
  close(other);
  CHECK(s->lock().has_value());
  s->unlock();
}

TEST_CASE("ipam disk store: a directory written by host-local is indexed on first lock") {
  TempDir t;
  const std::string dir = t.path + "/net";
  REQUIRE(mkdir(dir.c_str(), 0755) == 0);
  spit(dir + "/10.0.0.2", "c1\r\neth0");
  spit(dir + "/10.0.0.3", "c2\r\neth0");
  spit(dir + "/fd00::3", "c2\r\neth0");
  spit(dir + "/10.0.0.4", "legacy");          // pre-ifname host-local record
  spit(dir + "/last_reserved_ip.0", "10.0.0.4");
  spit(dir + "/lock", "");
  auto s = open_store(t.path, false);
  REQUIRE(s);
  REQUIRE(s->lock());
  CHECK(exists(dir + "/attachments/c2@eth0"));
  auto all = s->attachments().value();
  std::sort(all.begin(), all.end());
  CHECK(all == std::vector<Attachment>{{"c1", "eth0"}, {"c2", "eth0"}, {"legacy", ""}});
  CHECK(s->leases_of(Attachment{"c2", "eth0"}).value().size() == 2);
  CHECK(s->release(Attachment{"legacy", ""}).value() == 1);
  CHECK_FALSE(exists(dir + "/10.0.0.4"));
  CHECK(s->last_reserved(0).value() == ip("10.0.0.4"));
  s->unlock();
}

TEST_CASE("ipam disk store: a stale index entry never frees someone else's lease") {
  TempDir t;
  auto s = open_store(t.path);
  REQUIRE(s->lock());
  REQUIRE(s->reserve(Attachment{"c1", "eth0"}, ip("10.0.0.2"), 0).value());
  // Behind berth's back (host-local), the address changed hands.
  spit(t.path + "/net/10.0.0.2", "c9\r\neth0");
  CHECK(s->leases_of(Attachment{"c1", "eth0"}).value().empty());
  CHECK(s->release(Attachment{"c1", "eth0"}).value() == 0);
  CHECK(slurp(t.path + "/net/10.0.0.2") == "c9\r\neth0");
  s->unlock();
}

TEST_CASE("ipam disk store: GC's attachment list finds leases the index missed") {
  TempDir t;
  auto s = open_store(t.path);
  REQUIRE(s->lock());
  REQUIRE(s->reserve(Attachment{"c1", "eth0"}, ip("10.0.0.2"), 0).value());
  // host-local (or a crash before the index write) left a lease berth never indexed.
  spit(t.path + "/net/10.0.0.3", "c2\r\neth0");
  spit(t.path + "/net/10.0.0.4", "c1\r\neth0");
  CHECK(s->leases_of(Attachment{"c2", "eth0"}).value().empty());
  auto all = s->attachments().value();
  std::sort(all.begin(), all.end());
  CHECK(all == std::vector<Attachment>{{"c1", "eth0"}, {"c2", "eth0"}});
  CHECK(s->release(Attachment{"c2", "eth0"}).value() == 1);
  CHECK(s->release(Attachment{"c1", "eth0"}).value() == 2);
  CHECK_FALSE(exists(t.path + "/net/10.0.0.3"));
  CHECK_FALSE(exists(t.path + "/net/10.0.0.4"));
  s->unlock();
}

TEST_CASE("ipam disk store: a symlink planted as a lease name is never written through") {
  TempDir t;
  auto s = open_store(t.path);
  const std::string victim = t.path + "/victim";
  REQUIRE(symlink(victim.c_str(), (t.path + "/net/10.0.0.2").c_str()) == 0);
  REQUIRE(s->lock());
  CHECK_FALSE(s->reserve(Attachment{"c1", "eth0"}, ip("10.0.0.2"), 0).value());
  CHECK_FALSE(exists(victim));
  CHECK(s->holder(ip("10.0.0.2")).error().code == Code::kStore);  // ELOOP, reported
  s->unlock();
}

TEST_CASE("ipam disk store: index and lease names round-trip") {
  CHECK(index_name(Attachment{"abc", "eth0"}) == "abc@eth0");
  CHECK(parse_index_name("abc@e@th0") == Attachment{"abc", "e@th0"});
  CHECK_FALSE(parse_index_name("noseparator"));
  CHECK(parse_lease_content("abc\r\neth0\n") == Attachment{"abc", "eth0"});
  CHECK(parse_lease_content("abc") == Attachment{"abc", ""});
  CHECK_FALSE(parse_lease_content("../etc\r\neth0"));
  CHECK_FALSE(parse_lease_content(""));
  CHECK(lease_content(Attachment{"abc", "eth0"}) == "abc\r\neth0");
}

TEST_CASE("ipam disk store: what a killed writer leaves is finished by DEL or swept by GC") {
  TempDir t;
  auto s = open_store(t.path);
  REQUIRE(s->lock());
  const std::string dir = t.path + "/net";
  // Killed between the index write and the lease claim: the index names an address
  // nobody holds. DEL (release) drops the entry; the address was never taken.
  spit(dir + "/attachments/c1@eth0", "10.0.0.5\n");
  spit(dir + "/attachments/.c1@eth0.tmp", "10.0.0.5\n10.0.0.6\n");  // killed mid-rewrite
  CHECK_FALSE(s->holder(ip("10.0.0.5")).value());
  CHECK(s->release(Attachment{"c1", "eth0"}).value() == 0);
  CHECK_FALSE(exists(dir + "/attachments/c1@eth0"));
  CHECK_FALSE(exists(dir + "/attachments/.c1@eth0.tmp"));
  CHECK(s->reserve(Attachment{"c2", "eth0"}, ip("10.0.0.5"), 0).value());

  // Debris nobody's DEL will come for: temporary files, and an empty lease file (a power
  // loss; claims are atomic otherwise). GC sweeps them and the address is free again.
  spit(dir + "/.last_reserved_ip.0.tmp", "10.0.0.");
  spit(dir + "/attachments/.c3@eth0.tmp", "10.0.0.8\n");
  spit(dir + "/10.0.0.7", "");
  CHECK(s->holder(ip("10.0.0.7")).value() == Attachment{});  // blocks the address until then
  CHECK(s->attachments().value() == std::vector<Attachment>{{"c2", "eth0"}});
  CHECK_FALSE(exists(dir + "/.last_reserved_ip.0.tmp"));
  CHECK_FALSE(exists(dir + "/attachments/.c3@eth0.tmp"));
  CHECK_FALSE(exists(dir + "/10.0.0.7"));
  CHECK(s->reserve(Attachment{"c3", "eth0"}, ip("10.0.0.7"), 0).value());
  CHECK(slurp(dir + "/10.0.0.7") == "c3\r\neth0");
  s->unlock();
}

TEST_CASE("ipam disk store: a refused claim leaves the claimant's index as it was") {
  TempDir t;
  auto s = open_store(t.path);
  REQUIRE(s->lock());
  REQUIRE(s->reserve(Attachment{"c1", "eth0"}, ip("10.0.0.2"), 0).value());
  CHECK_FALSE(s->reserve(Attachment{"c2", "eth0"}, ip("10.0.0.2"), 0).value());
  CHECK_FALSE(exists(t.path + "/net/attachments/c2@eth0"));
  REQUIRE(s->reserve(Attachment{"c2", "eth0"}, ip("10.0.0.3"), 0).value());
  CHECK_FALSE(s->reserve(Attachment{"c2", "eth0"}, ip("10.0.0.2"), 0).value());
  CHECK(slurp(t.path + "/net/attachments/c2@eth0") == "10.0.0.3\n");
  s->unlock();
}

TEST_CASE("ipam disk store: a 255-byte container ID gets a hashed index entry that GC still reads") {
  TempDir t;
  auto s = open_store(t.path);
  REQUIRE(s->lock());
  const Attachment a{std::string(255, 'c'), "eth0123456789ab"};
  const std::string name = index_name(a);
  CHECK(name.size() < 64);
  CHECK(name.starts_with("~"));
  REQUIRE(s->reserve(a, ip("10.0.0.2"), 0).value());
  REQUIRE(s->reserve(a, ip("fd00::2"), 1).value());
  CHECK(s->leases_of(a).value() == std::vector<IpAddr>{ip("10.0.0.2"), ip("fd00::2")});
  CHECK(s->attachments().value() == std::vector<Attachment>{a});
  // Its leases gone behind its back: GC still names the attachment from the entry.
  REQUIRE(unlink((t.path + "/net/10.0.0.2").c_str()) == 0);
  REQUIRE(unlink((t.path + "/net/fd00::2").c_str()) == 0);
  CHECK(s->attachments().value() == std::vector<Attachment>{a});
  CHECK(s->release(a).value() == 0);
  CHECK_FALSE(exists(t.path + "/net/attachments/" + name));
  s->unlock();
}
