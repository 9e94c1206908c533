// A container's network namespace as a file: created by the runtime (not by cloning the
// container) so that the plugins can wire it before the container's process starts, and
// kept alive by a bind mount at <root>/netns/<id> until the container stops.
#pragma once

#include <string>

#include "core/error.h"

namespace berth::runtime {

// A new network namespace with `lo` up, bind-mounted at `path` (created). With a user
// namespace (userns_fd >= 0) the network namespace is made inside it, so that the
// container's root may configure it (`ip` inside) and mount its own sysfs; the plugins,
// host root, still enter it from outside.
[[nodiscard]] Result<> create_netns_file(const std::string& path, int userns_fd = -1);
// Unmounts and removes it; success when it is not there.
[[nodiscard]] Result<> remove_netns_file(const std::string& path);

}  // namespace berth::runtime
