// berth-host's commands. Nothing is ever created or removed: ADD and CHECK only verify
// that CNI_NETNS is the host's network namespace and report what the host has.
#pragma once

#include "core/cni/skel.h"
#include "core/cni/types.h"
#include "core/error.h"

namespace berth::host {

inline constexpr const char* kDefaultHostNetns = "/proc/1/ns/net";

Result<cni::CniResult> cmd_add(const cni::Request& req);
Result<> cmd_del(const cni::Request& req);
Result<> cmd_check(const cni::Request& req);

}  // namespace berth::host
