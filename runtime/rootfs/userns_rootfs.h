// The host side of a rootfs in a user namespace. The container's init, root only inside
// its namespace, can neither walk into berth's 0700 state directories (nor a volume's
// host path under one), nor idmap a mount, nor take a layer from another mount
// namespace. So before it exists a helper, still host root, makes a mount namespace of
// its own (which the init's is then copied from) and mounts everything that needs host
// paths there: the image's layer idmapped over itself, the overlay, the /etc files and
// volumes; it then makes the overlay's root its working directory, which the init
// inherits (translated into its own copy of the namespace). The init mounts the rest
// (/proc, sysfs, /dev: those need its own namespaces) and pivots, as without one.
#pragma once

#include "core/error.h"
#include "runtime/rootfs/mounts.h"

namespace berth::runtime {

// Child side (the helper, host root, single-threaded): unshares its mount namespace,
// mounts spec.lower idmapped through the user namespace over itself (an image file owned
// by host id N shows as id N inside: the image's root-owned files are root's), mounts the
// layers (mount_layers) and chdirs into the overlay's root.
[[nodiscard]] Result<> prepare_userns_rootfs(const RootfsSpec& spec, int userns_fd);

}  // namespace berth::runtime
