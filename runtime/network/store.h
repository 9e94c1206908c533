// berth's networks on disk: one <config_dir>/<name>.conflist each, found by name, by id or
// by a unique id prefix (as Docker does).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "runtime/network/conflist.h"
#include "runtime/network/network.h"

namespace berth::runtime::net {

struct StoredNetwork {
  NetworkInfo info;
  ConfList list;  // the file's bytes, parsed for the engine
};

[[nodiscard]] std::string conflist_path(const Paths& paths, const std::string& name);
[[nodiscard]] std::string networks_lock_path(const Paths& paths);

// The network named `name`; nullopt when there is no such file. Code 6/7 when it is broken.
[[nodiscard]] Result<std::optional<StoredNetwork>> load_network(const Paths& paths,
                                                                const std::string& name);
// Every readable berth network, sorted by name. Files that do not parse are skipped with a
// warning (the directory may hold configs of other tools).
[[nodiscard]] Result<std::vector<StoredNetwork>> load_networks(const Paths& paths);
// By exact name, exact id, or unique id prefix. Code 7 "no such network" / "ambiguous".
[[nodiscard]] Result<StoredNetwork> find_network(const Paths& paths, const std::string& name_or_id);

// 64 random hex digits (getrandom).
[[nodiscard]] Result<std::string> random_id();

}  // namespace berth::runtime::net
