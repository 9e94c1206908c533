// The berth-ipam command handlers skel dispatches to: config in, lease store opened,
// allocator called, abbreviated result (cni-spec §4.4) out.
#pragma once

#include "core/cni/skel.h"
#include "core/error.h"

namespace berth::ipam {

[[nodiscard]] Result<cni::CniResult> cmd_add(const cni::Request& req);
[[nodiscard]] Result<> cmd_del(const cni::Request& req);
[[nodiscard]] Result<> cmd_check(const cni::Request& req);
[[nodiscard]] Result<> cmd_gc(const cni::Request& req);
[[nodiscard]] Result<> cmd_status(const cni::Request& req);

}  // namespace berth::ipam
