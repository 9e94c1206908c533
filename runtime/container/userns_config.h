// `--userns host|auto` and `--uidmap/--gidmap C:H:S`: which user namespace a container
// gets, and for `auto` the range of host ids it is given.
//
// auto: 65536 ids (0-65535 inside) from a pool: the ranges of the user `berth` in
// /etc/subuid and /etc/subgid when both name it (BERTH_SUBUID_FILE and BERTH_SUBGID_FILE
// point elsewhere), else 100000 + k*65536 for k = 0, 1, ... (the shape useradd gives its
// first users). `create` takes the lowest block no other container of the store uses
// (auto or explicit maps, stopped ones too), under the store's name lock; `rm` frees it.
#pragma once

#include <string>
#include <vector>

#include "core/error.h"
#include "core/fd.h"
#include "runtime/container/config.h"
#include "runtime/container/state.h"

namespace berth::runtime {

// Fills c.userns, c.uid_map, c.gid_map from the options (code 7 for what is wrong: an
// unknown mode, a bad or overlapping map, maps with `--userns host|auto`, a user
// namespace with `--net host` or `--net container:`, or with a volume under /proc, /sys or
// /dev). Call after c.network and c.volumes are set. A --uidmap without --gidmap maps
// gids the same way, as podman does.
[[nodiscard]] Result<> parse_userns_options(const std::string& mode,
                                            const std::vector<std::string>& uidmaps,
                                            const std::vector<std::string>& gidmaps,
                                            ContainerConfig& c);

// For `auto`: gives `cfg` the first free 65536-id block (see above); `all` is every
// container of the store. Other modes: unchanged.
[[nodiscard]] Result<> allocate_userns(ContainerConfig& cfg, const std::vector<Container>& all);

// The container's user namespace for a start (create_userns with its maps); an invalid
// descriptor when it has none.
[[nodiscard]] Result<UniqueFd> container_userns(const ContainerConfig& cfg);

}  // namespace berth::runtime
