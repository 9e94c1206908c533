// berth-ipam's config (ipam/config, ipam/range_set): range sets, routes, dataDir,
// requested addresses and GC's attachment list. Invariants: bad input is an error with
// code 7 (4 for CNI_ARGS), never an exception; a parsed config's ranges have no host bits,
// lie inside their subnets, start <= end, do not overlap, keep one family per set; the
// allocation walk never leaves its set; dataDir is absolute without "..".
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "ipam/config.h"
#include "tests/fuzz/fuzz_check.h"

using berth::IpAddr;
using nlohmann::json;

namespace {

bool code_is(const berth::Error& e, std::initializer_list<berth::Code> codes) {
  for (auto c : codes)
    if (e.code == c) return true;
  return false;
}

void check_sets(const berth::ipam::IpamConfig& c) {
  FUZZ_CHECK(!c.sets.empty(), "a config without range sets parsed");
  for (size_t i = 0; i < c.sets.size(); ++i) {
    const auto& set = c.sets[i];
    for (size_t j = 0; j < i; ++j) FUZZ_CHECK(!set.overlaps(c.sets[j]), "two sets overlap");
    const auto& ranges = set.ranges();
    for (size_t k = 0; k < ranges.size(); ++k) {
      const auto& r = ranges[k];
      FUZZ_CHECK(r.subnet.is_network(), "a subnet keeps host bits");
      FUZZ_CHECK(r.start.family() == set.family(), "mixed families in a set");
      FUZZ_CHECK(r.subnet.contains(r.start) && r.subnet.contains(r.end), "range outside subnet");
      FUZZ_CHECK(r.start <= r.end, "range ends before it starts");
      FUZZ_CHECK(r.gateway.family() == r.start.family(), "gateway of another family");
      FUZZ_CHECK(set.range_of(r.start) == &r, "a range's start maps to another range");
      for (size_t m = 0; m < k; ++m)
        FUZZ_CHECK(r.end < ranges[m].start || ranges[m].end < r.start, "ranges overlap");
    }
    // The round-robin walk: bounded, never leaves the set.
    IpAddr ip = set.first();
    for (int step = 0; step < 64; ++step) {
      FUZZ_CHECK(set.contains(ip), "the walk left its set");
      ip = set.next(ip);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  std::string cni_args = in.ConsumeRandomLengthString(128);
  json request = json::parse(in.ConsumeRemainingBytesAsString(), nullptr, false);
  if (request.is_discarded() || !request.is_object()) return 0;
  // resolvConf names a file to read; a fuzzer must not read /dev/zero or the host's files.
  if (auto ipam = request.find("ipam"); ipam != request.end() && ipam->is_object())
    ipam->erase("resolvConf");
  try {
    if (auto c = berth::ipam::parse_config(request)) {
      check_sets(*c);
      FUZZ_CHECK(!c->data_dir.empty() && c->data_dir[0] == '/', "dataDir not absolute");
      FUZZ_CHECK(c->data_dir.find("/../") == std::string::npos, "dataDir with ..");
    } else {
      FUZZ_CHECK(code_is(c.error(), {berth::Code::kInvalidConfig}), "config error not code 7");
    }
    if (auto ips = berth::ipam::requested_ips(request, cni_args); !ips)
      FUZZ_CHECK(code_is(ips.error(), {berth::Code::kInvalidConfig, berth::Code::kInvalidEnv}),
                 "requested ips error not code 4 or 7");
    if (auto valid = berth::ipam::valid_attachments(request); !valid)
      FUZZ_CHECK(code_is(valid.error(), {berth::Code::kInvalidConfig}), "attachments not code 7");
  } catch (const std::exception& e) {
    FUZZ_CHECK(false, e.what());  // bad input must be an error result, never an exception
  }
  return 0;
}
