// Reading an Attachment out of a cached CNI result: the container-side interface (the one
// named ifname with a sandbox), its addresses and gateways, its MAC, and the published
// ports recorded in the capability args. Pure.
#pragma once

#include "runtime/network/cache.h"
#include "runtime/network/network.h"

namespace berth::runtime::net {

[[nodiscard]] Attachment attachment_from(const CacheEntry& entry);
// The K8S_POD_NAME CNI_ARG recorded at attach time; "" when none.
[[nodiscard]] std::string container_name_of(const CacheEntry& entry);

}  // namespace berth::runtime::net
