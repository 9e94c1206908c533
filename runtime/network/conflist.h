// A loaded network configuration list, as libcni reads one: the exact bytes (they go into
// the result cache), the parsed document, the chain of plugin entries and the spec
// version the runtime speaks to every plugin of the list.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"

namespace berth::runtime::net {

struct ConfList {
  std::string bytes;    // the file content, unchanged
  nlohmann::json conf;  // parsed
  std::string name;
  std::string version;  // selected: the highest of cniVersion/cniVersions we support
  std::vector<nlohmann::json> plugins;  // the chain, in ADD order
  bool disable_check = false;
  bool disable_gc = false;
};

// Parses and validates a conflist: a JSON object with a valid `name`, a non-empty
// `plugins` list of objects each with a `type`, and a supported version. Code 6 for
// bad JSON, 7 for an invalid list, 1 when no listed version is supported.
[[nodiscard]] Result<ConfList> parse_conflist(std::string bytes);

}  // namespace berth::runtime::net
