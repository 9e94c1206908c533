// The runtime's conflist loader (runtime/network/conflist) and the stdin it builds for
// each plugin of the chain (plugin_request). Invariants: bad input is code 1, 6 or 7,
// never an exception; a loaded list has a valid name, a supported version and a
// non-empty chain of typed entries, and loads the same again from its own JSON; every
// plugin's stdin names the list and its version and prints as JSON.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "core/cni/names.h"
#include "core/cni/version.h"
#include "runtime/network/plugin_request.h"
#include "tests/fuzz/fuzz_check.h"

namespace net = berth::runtime::net;
using nlohmann::json;

namespace {

void check_list(const net::ConfList& c) {
  FUZZ_CHECK(berth::cni::validate_network_name(c.name).has_value(), "invalid name loaded");
  FUZZ_CHECK(berth::cni::is_supported_version(c.version), "unsupported version selected");
  FUZZ_CHECK(!c.plugins.empty(), "empty chain loaded");
  for (const auto& p : c.plugins) {
    FUZZ_CHECK(p.is_object() && p["type"].is_string() && !p["type"].get<std::string>().empty(),
               "entry without a type");
    json in = net::plugin_stdin(c, p, json(), json{{"mac", "02:42:0a:00:00:02"}});
    FUZZ_CHECK(in["name"] == c.name && in["cniVersion"] == c.version, "stdin lost name/version");
    FUZZ_CHECK(!in.contains("prevResult"), "prevResult without a previous result");
    (void)in.dump();  // must not throw
    json gc = net::gc_stdin(c, p, json::array());
    FUZZ_CHECK(gc["name"] == c.name, "GC stdin lost the name");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string bytes(reinterpret_cast<const char*>(data), size);
  try {
    auto c = net::parse_conflist(bytes);
    if (!c) {
      auto code = c.error().code;
      FUZZ_CHECK(code == berth::Code::kIncompatibleVersion || code == berth::Code::kDecode ||
                     code == berth::Code::kInvalidConfig,
                 "a bad conflist is not code 1, 6 or 7");
      return 0;
    }
    FUZZ_CHECK(c->bytes == bytes, "the file's bytes were not kept");
    check_list(*c);
    auto again = net::parse_conflist(c->conf.dump());
    FUZZ_CHECK(again.has_value(), "a loaded conflist does not load from its own JSON");
    FUZZ_CHECK(again->name == c->name && again->version == c->version &&
                   again->plugins == c->plugins && again->disable_check == c->disable_check &&
                   again->disable_gc == c->disable_gc,
               "reloading changed the list");
  } catch (const std::exception& e) {
    FUZZ_CHECK(false, e.what());  // bad input must be an error result, never an exception
  }
  return 0;
}
