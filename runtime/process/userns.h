// A container's user namespace, made by the host side before anything else of the
// container (its network namespace and its init are then created inside it, so that the
// container's root owns them): a short-lived child unshares it, we write its maps as
// privileged root (so /proc/PID/setgroups stays "allow" and no "deny" is needed) and keep
// a descriptor, which keeps the namespace alive after the child is gone.
#pragma once

#include <string>

#include "core/error.h"
#include "core/fd.h"
#include "runtime/process/idmap.h"

namespace berth::runtime {

// A new user namespace with these maps; its /proc/PID/ns/user descriptor.
[[nodiscard]] Result<UniqueFd> create_userns(const IdMap& uids, const IdMap& gids);

// Child side only (a single-threaded process): joins the user namespace and becomes its
// root (uid and gid 0, no supplementary groups), with every capability inside it.
[[nodiscard]] Result<> become_userns_root(int userns_fd);

// chown of `path` itself (not what is inside) to what the container's root is on the
// host: the overlay's upper directory and the /etc files, which its root may write.
[[nodiscard]] Result<> own_for_root(const std::string& path, const IdMap& uids,
                                    const IdMap& gids);

}  // namespace berth::runtime
