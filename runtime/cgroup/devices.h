// Which devices a container may open: Docker's default list, kept by the v1 devices
// controller. Without it the container's root (CAP_MKNOD, as Docker's) could make and
// open any host device (/dev/kvm, a disk); with it, mknod still works but opening a node
// outside the list fails with EPERM, whether made inside or shipped in the image.
// cgroup v2 has no devices files (it needs a BPF program): not done there yet.
#pragma once

#include <string>

#include "core/error.h"

namespace berth::runtime {

// Writes the list into the v1 devices cgroup `dir` (a new, empty one).
[[nodiscard]] Result<> apply_device_rules(const std::string& dir);

}  // namespace berth::runtime
