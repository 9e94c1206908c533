// berth-none's commands: bring `lo` up inside CNI_NETNS and report it, nothing else.
// Behaves like the reference `loopback` plugin, so it can be installed under that name.
#pragma once

#include "core/cni/skel.h"
#include "core/cni/types.h"
#include "core/error.h"

namespace berth::none {

Result<cni::CniResult> cmd_add(const cni::Request& req);
Result<> cmd_del(const cni::Request& req);
Result<> cmd_check(const cni::Request& req);

}  // namespace berth::none
