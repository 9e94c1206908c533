// Capabilities: the container's processes keep Docker's default set and nothing else.
#pragma once

#include <cstdint>

#include "core/error.h"

namespace berth::runtime {

// Docker's default capabilities as a bit mask (CAP_CHOWN, DAC_OVERRIDE, FSETID, FOWNER,
// MKNOD, NET_RAW, SETGID, SETUID, SETFCAP, SETPCAP, NET_BIND_SERVICE, SYS_CHROOT, KILL,
// AUDIT_WRITE).
uint64_t default_capabilities();

// In the process about to exec the container's command: drops every other capability from
// the bounding set, sets permitted/effective to the default set, empties the inheritable
// and ambient sets, and sets no_new_privs so that no setuid binary or file capability can
// widen that again.
[[nodiscard]] Result<> restrict_capabilities();

}  // namespace berth::runtime
