// CNI_ARGS ("K=V;K=V", core/cni/args). Invariants: a bad string is code 4 (never an
// exception or another code); a parsed map has non-empty keys without '=' or ';' and
// values without ';', and writing it back out parses to the same map.
#include <cstdint>
#include <string>

#include "core/cni/args.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  auto args = berth::cni::parse_cni_args(text);
  if (!args) {
    FUZZ_CHECK(args.error().code == berth::Code::kInvalidEnv, "a bad CNI_ARGS is not code 4");
    return 0;
  }
  std::string again;
  for (const auto& [k, v] : *args) {
    FUZZ_CHECK(!k.empty(), "empty key");
    FUZZ_CHECK(k.find_first_of("=;") == std::string::npos, "key holds '=' or ';'");
    FUZZ_CHECK(v.find(';') == std::string::npos, "value holds ';'");
    again += (again.empty() ? "" : ";") + k + "=" + v;
  }
  auto reparsed = berth::cni::parse_cni_args(again);
  FUZZ_CHECK(reparsed && *reparsed == *args, "written-back CNI_ARGS parse differently");
  return 0;
}
