// core/ip: address and prefix parsing, formatting and the arithmetic IPAM builds on.
// Invariants: what parses formats back to text that parses to the same value; text with
// a NUL never parses (it would hide the bytes after it); a prefix holds its network and
// last address and nothing outside them; stepping forward then back returns home.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <string>

#include "core/ip.h"
#include "tests/fuzz/fuzz_check.h"

using berth::IpAddr;
using berth::Prefix;

namespace {

void check_address(const std::string& text, int64_t step) {
  auto ip = IpAddr::parse(text);
  if (!ip) return;
  FUZZ_CHECK(text.find('\0') == std::string::npos, "an address with a NUL parsed");
  auto again = IpAddr::parse(ip->str());
  FUZZ_CHECK(again && *again == *ip, "address -> str -> parse changed it");
  if (step == INT64_MIN) step = 0;  // -step would overflow
  FUZZ_CHECK(ip->plus(step).plus(-step) == *ip, "plus(n) then plus(-n) is not the identity");
  FUZZ_CHECK(ip->plus(step).family() == ip->family(), "plus changed the family");
}

void check_prefix(const std::string& text, const std::string& other_text) {
  auto p = Prefix::parse(text);
  if (!p) return;
  FUZZ_CHECK(text.find('\0') == std::string::npos, "a prefix with a NUL parsed");
  FUZZ_CHECK(p->len >= 0 && p->len <= p->addr.bits(), "prefix length out of range");
  auto again = Prefix::parse(p->str());
  FUZZ_CHECK(again && *again == *p, "prefix -> str -> parse changed it");
  FUZZ_CHECK(p->contains(p->addr), "a prefix does not hold its own address");
  FUZZ_CHECK(p->contains(p->network()) && p->contains(p->last()), "network/last outside");
  FUZZ_CHECK(p->network() <= p->addr && p->addr <= p->last(), "address outside network..last");
  FUZZ_CHECK((Prefix{p->network(), p->len}.is_network()), "network() keeps host bits");
  if (p->len > 0) {
    // One step past either end leaves the prefix (unless the prefix is the whole family).
    FUZZ_CHECK(!p->contains(p->last().next()) || p->last().next() == p->network(),
               "the address after last() is still inside");
  }
  FUZZ_CHECK(p->overlaps(*p), "a prefix does not overlap itself");
  if (auto o = Prefix::parse(other_text)) {
    FUZZ_CHECK(p->overlaps(*o) == o->overlaps(*p), "overlaps is not symmetric");
    bool either_holds = p->contains(o->network()) || o->contains(p->network());
    FUZZ_CHECK(p->overlaps(*o) == either_holds, "overlaps disagrees with contains");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  int64_t step = in.ConsumeIntegral<int64_t>();
  std::string other = in.ConsumeRandomLengthString(64);
  std::string text = in.ConsumeRemainingBytesAsString();
  check_address(text, step);
  check_prefix(text, other);
  check_address(other, step);
  return 0;
}
