// ADD's checks of the addressing a container will get, before anything is created.
#pragma once

#include <string>

#include "core/cni/skel.h"
#include "core/cni/types.h"
#include "core/error.h"

namespace berth::bridge {

// Before IPAM ADD, for the IPAM plugins that read host-local's `ipam` object (berth-ipam,
// host-local): every range's gateway inside its subnet and every route's gw inside some
// range's subnet. Code 7 naming the key (e.g. ipam.ranges[0][0].gateway). A config that
// IPAM plugin refuses anyway is left to it.
[[nodiscard]] Result<> check_ipam_config(const cni::Request& req, const std::string& ipam_type);

// After IPAM ADD, before anything else, for any IPAM plugin (e.g. static): each gateway
// inside its address's subnet and not the address itself, each route's gw inside the
// subnet of one of the addresses. Code 7; the caller releases the lease.
[[nodiscard]] Result<> check_ipam_result(const cni::CniResult& ipam, const std::string& ipam_type);

}  // namespace berth::bridge
