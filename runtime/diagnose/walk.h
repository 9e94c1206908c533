// Walks a resolved path hop by hop, in the order a packet crosses them, and returns the
// report. Reads only; the one thing it sends is the final TCP connection attempt, and
// only to an address inside a namespace on this host (a container or the host itself).
#pragma once

#include "runtime/diagnose/path.h"
#include "runtime/diagnose/report.h"

namespace berth::runtime::diagnose {

inline constexpr int kConnectTimeoutMs = 2000;

[[nodiscard]] Report walk(const Path& p, int connect_timeout_ms = kConnectTimeoutMs);

}  // namespace berth::runtime::diagnose
