// prevResult and plugin results in every CNI version (core/cni/types) and the conversion
// between versions. Invariants: a parse either fails with code 6 or gives a result that,
// written in any version, parses back and writes out identically; writing through the
// latest version first changes nothing; numbers are kept, never truncated.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "core/cni/types.h"
#include "core/cni/version.h"
#include "tests/fuzz/fuzz_check.h"

using berth::cni::CniResult;
using berth::cni::json;
using berth::cni::kLatestVersion;
using berth::cni::kSupportedVersions;

namespace {

std::string dump(const json& j) {
  try {
    return j.dump();
  } catch (const json::exception& e) {
    FUZZ_CHECK(false, e.what());  // a parsed result must always be printable
  }
  return {};
}

// Each numeric 1.1.0 field in `list[i][key]` must survive parsing unchanged.
void check_numbers(const json& in, const char* list, const char* key, auto&& parsed_value) {
  auto it = in.find(list);
  if (it == in.end() || !it->is_array()) return;
  for (size_t i = 0; i < it->size(); ++i) {
    const json& item = (*it)[i];
    auto v = item.find(key);
    if (v == item.end() || !v->is_number()) continue;
    auto got = parsed_value(i);
    FUZZ_CHECK(got.has_value(), "a number was dropped");
    FUZZ_CHECK(json(*got) == *v, "a number changed while parsing");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  std::string_view fallback = kSupportedVersions[data[0] % kSupportedVersions.size()];
  json in = json::parse(data + 1, data + size, nullptr, false);
  if (in.is_discarded()) return 0;
  auto r = berth::cni::parse_result(in, fallback);
  if (!r) {
    FUZZ_CHECK(r.error().code == berth::Code::kDecode, "a bad result is not code 6");
    return 0;
  }
  check_numbers(in, "interfaces", "mtu", [&](size_t i) { return r->interfaces[i].mtu; });
  check_numbers(in, "routes", "mtu", [&](size_t i) { return r->routes[i].mtu; });
  check_numbers(in, "routes", "table", [&](size_t i) { return r->routes[i].table; });
  check_numbers(in, "routes", "priority", [&](size_t i) { return r->routes[i].priority; });
  check_numbers(in, "ips", "interface", [&](size_t i) { return r->ips[i].interface; });

  json latest = berth::cni::result_to_json(*r, kLatestVersion);
  auto via_latest = berth::cni::parse_result(latest, kLatestVersion);
  FUZZ_CHECK(via_latest.has_value(), "a written result does not parse");
  for (auto v : kSupportedVersions) {
    json out = berth::cni::result_to_json(*r, v);
    std::string text = dump(out);
    FUZZ_CHECK(out["cniVersion"] == std::string(v), "wrong cniVersion written");
    auto back = berth::cni::parse_result(json::parse(text), v);
    FUZZ_CHECK(back.has_value(), "a written result does not parse in its own version");
    FUZZ_CHECK(berth::cni::result_to_json(*back, v) == out, "write -> parse -> write is unstable");
    FUZZ_CHECK(berth::cni::result_to_json(*via_latest, v) == out,
               "converting through the latest version changed the result");
  }
  return 0;
}
