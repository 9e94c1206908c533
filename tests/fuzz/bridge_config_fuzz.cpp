// A network config on stdin plus the CNI_* environment, through the dispatcher every
// plugin runs (core/cni/skel) into berth-bridge's config parser (plugins/bridge/config,
// ports). Invariants: the plugin prints exactly one JSON document, a result or an error
// with a CNI code for bad input (never 999, never an exception); a parsed config obeys
// the rules the parser promises (mtu, vlan, bridge name, gateway flags, unique ports).
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>

#include "core/cni/names.h"
#include "core/cni/skel.h"
#include "plugins/bridge/config.h"
#include "tests/fuzz/fuzz_check.h"

using berth::Code;
using berth::Result;
namespace cni = berth::cni;

namespace {

void check_config(const berth::bridge::Config& c) {
  FUZZ_CHECK(cni::validate_ifname(c.bridge).has_value(), "an invalid bridge name passed");
  FUZZ_CHECK(c.mtu == 0 || (c.mtu >= 68 && c.mtu <= 65535), "mtu out of range");
  FUZZ_CHECK(c.vlan <= 4094, "vlan out of range");
  FUZZ_CHECK(!c.is_default_gateway || c.is_gateway, "isDefaultGateway without isGateway");
  FUZZ_CHECK(!(c.hairpin && c.promisc), "hairpinMode and promiscMode together");
  for (size_t i = 0; i < c.ports.size(); ++i) {
    const auto& p = c.ports[i];
    FUZZ_CHECK(p.host_port != 0 && p.container_port != 0, "port 0 accepted");
    FUZZ_CHECK(p.protocol == 6 || p.protocol == 17 || p.protocol == 132, "odd protocol");
    for (size_t j = 0; j < i; ++j) FUZZ_CHECK(!(p == c.ports[j]), "duplicate port mapping kept");
  }
}

// The handler of every command: parse, check, answer with an empty result.
Result<cni::CniResult> parse_and_check(const cni::Request& req) {
  try {
    auto c = berth::bridge::parse_config(req);
    if (!c) return std::unexpected(c.error());
    check_config(*c);
  } catch (const std::exception& e) {
    FUZZ_CHECK(false, e.what());  // bad input must be an error result, never an exception
  }
  return cni::CniResult{};
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  berth::fuzz::quiet_logs();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const char* kCommands[] = {"ADD", "DEL", "CHECK", "GC", "STATUS", "VERSION"};
  FuzzedDataProvider in(data, size);
  std::map<std::string, std::string> env = {
      {"CNI_COMMAND", in.PickValueInArray(kCommands)},
      {"CNI_CONTAINERID", in.ConsumeRandomLengthString(80)},
      {"CNI_NETNS", "/var/run/netns/fuzz"},
      {"CNI_IFNAME", in.ConsumeRandomLengthString(20)},
      {"CNI_ARGS", in.ConsumeRandomLengthString(120)},
      {"CNI_PATH", "/nonexistent"},
  };
  std::istringstream stdin_data(in.ConsumeRemainingBytesAsString());
  auto no_result = [](const cni::Request& r) -> Result<> {
    if (auto c = parse_and_check(r); !c) return std::unexpected(c.error());
    return {};
  };
  cni::Plugin plugin{"berth-bridge", parse_and_check, no_result, no_result, no_result, no_result};
  const std::string command = env["CNI_COMMAND"];
  std::ostringstream out;
  int rc = 0;
  try {
    rc = cni::run_plugin(
        plugin, [&](const char* k) { return env.count(k) ? env[k].c_str() : nullptr; }, stdin_data,
        out);
  } catch (const std::exception& e) {
    FUZZ_CHECK(false, e.what());  // the dispatcher must always answer with JSON
  }
  FUZZ_CHECK(rc == 0 || rc == 1, "exit code other than 0 or 1");
  const std::string text = out.str();
  if (rc == 0 && command != "ADD" && command != "VERSION") {
    FUZZ_CHECK(text.empty(), "DEL/CHECK/GC/STATUS printed on success");
    return 0;
  }
  FUZZ_CHECK(!text.empty() && text.back() == '\n' && text.find('\n') == text.size() - 1,
             "not exactly one line on stdout");
  auto j = nlohmann::json::parse(text, nullptr, false);
  FUZZ_CHECK(j.is_object(), "stdout is not a JSON object");
  if (rc == 1) {
    FUZZ_CHECK(j.contains("code") && j["code"].is_number_integer(), "error without a code");
    FUZZ_CHECK(j.contains("msg") && j["msg"].is_string(), "error without a msg");
    static const std::set<int> kInputCodes = {1, 2, 4, 6, 7};
    FUZZ_CHECK(kInputCodes.count(j["code"].get<int>()), "bad input answered with a non-input code");
  }
  return 0;
}
