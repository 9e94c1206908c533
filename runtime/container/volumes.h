// Named volumes, Docker's `local` driver: a container mounts <root>/volumes/<name>/_data.
// A volume is nothing but a real directory volumes/<name> (a valid volume name) holding a
// real directory _data; no other record is kept. Its CreatedAt is the birth time of
// volumes/<name>, or its modification time where the filesystem keeps no birth time (the
// directory only ever holds _data, so that time does not move).
//
// The rule for concurrent berths: whatever makes a volume for a new name (`volume
// create`, create/run -v NAME:...) and whatever can lose a volume's data (`volume rm`,
// `volume prune`) runs under the store-wide lock that create_container holds while it
// records a container (Store::lock_names), and "in use" is decided from the container
// records read under that lock. So a `run -v NAME:...` racing `volume rm NAME` either
// recorded its container first (rm refuses, naming it) or comes after the rm and gets a
// new, empty volume. Under the lock a volume to remove is only renamed out of the way
// (volumes/.removing-<random>, which no name can reach); its tree is deleted after the
// lock is released, so a big delete never holds up `run`. `start` remakes a missing
// volume of its container's without the lock: no rm touches a volume a container names.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "runtime/container/state.h"
#include "runtime/container/store.h"

namespace berth::runtime {

struct VolumeInfo {
  std::string name;
  std::string mountpoint;  // <root>/volumes/<name>/_data
  std::string created_at;  // RFC 3339, seconds, UTC
};

// Makes volume `name` if it is missing (volumes/ and volumes/<name> 0700, _data 0755,
// whatever the umask), entirely through descriptors: a symlink or a non-directory on the
// way is refused, never followed. Returns the mount point. The caller validated the name
// and holds the lock when the name may be new (see above).
[[nodiscard]] Result<std::string> ensure_volume(const std::string& root, const std::string& name);

// `volume create`: "" picks a random 64-hex name. An existing volume is no error (as
// Docker). Takes the lock. Code 7 for a bad name.
[[nodiscard]] Result<VolumeInfo> create_volume(const Store& store, std::string name);
// Every volume, by name. Half-made ones (no _data) and anything else under volumes/ are
// not volumes.
[[nodiscard]] Result<std::vector<VolumeInfo>> list_volumes(const std::string& root);
// Code 3 "no such volume: `name`".
[[nodiscard]] Result<VolumeInfo> inspect_volume(const std::string& root, const std::string& name);

// The containers (in any state) whose -v names volume `name`, as "name (short id)".
[[nodiscard]] std::vector<std::string> volume_users(const std::vector<Container>& all,
                                                    std::string_view name);
// `volume rm`: code 3 when there is no such volume, code 7 (naming the containers) when a
// container refers to it. The tree goes without following any symlink in it.
[[nodiscard]] Result<> remove_volume(const Store& store, const std::string& name);

struct PruneReport {
  std::vector<std::string> removed;  // by name
  uint64_t reclaimed = 0;            // bytes of the regular files they held
};
// `volume prune`: removes every volume no container refers to. On an error the report is
// lost but what was removed stays removed; the error names what is left.
[[nodiscard]] Result<PruneReport> prune_volumes(const Store& store);

// `volume ls --filter`: dangling=true|false, name=SUBSTRING (any of several), driver=local.
struct VolumeFilter {
  std::optional<bool> dangling;
  std::vector<std::string> names;
  bool other_driver = false;  // driver=<not local>: nothing matches
};
// Adds one KEY=VALUE; code 7 naming it when berth does not know it.
[[nodiscard]] Result<> add_volume_filter(VolumeFilter& f, std::string_view kv);
[[nodiscard]] bool volume_matches(const VolumeFilter& f, const VolumeInfo& v, bool in_use);

// `inspect`'s "Mounts": per -v, in order, Type ("bind" or "volume"), Source (the host
// path: a volume's <root>/volumes/<name>/_data), Destination, Mode, RW, Propagation and,
// for a volume, Name and Driver, as Docker shows them.
[[nodiscard]] nlohmann::json mounts_json(const Container& c, const std::string& root);
// `volume inspect`'s object: CreatedAt, Driver, Labels, Mountpoint, Name, Options, Scope.
[[nodiscard]] nlohmann::json volume_json(const VolumeInfo& v);
// Docker's units.HumanSize: decimal units, 4 significant digits ("0B", "1.5kB", "12.35MB").
[[nodiscard]] std::string human_size_si(uint64_t bytes);

}  // namespace berth::runtime
