// berth-ptp: one veth pair per attachment, no bridge. The container end (CNI_IFNAME)
// gets the IPAM address; the other end, the "peer end", stays in the host namespace or
// goes into the namespace named by `peerNetns` (two containers wired directly), and gets
// the gateway address as /32 (/128) plus a /32 (/128) route back to the container.
#pragma once

#include <optional>
#include <string>

#include "core/cni/skel.h"
#include "core/cni/types.h"
#include "core/error.h"

namespace berth::ptp {

struct Config {
  uint32_t mtu = 0;            // 0: kernel default
  std::string ipam_type;       // required: the addresses come from IPAM
  cni::Dns dns;
  std::string peer_netns;      // empty: the peer end stays in the host namespace
  std::string peer_ifname;     // the peer end's name (default: peer_end_name())
  std::optional<cni::CniResult> prev_result;
};

// Code 7 for a bad value (naming the key), 2 for `ipMasq: true` (not implemented).
[[nodiscard]] Result<Config> parse_config(const cni::Request& req);

// "ptp" + 8 hex digits of a hash of container ID and ifname: stable, so DEL finds the
// peer end without any state file, and distinct from berth-bridge's "veth" names.
std::string peer_end_name(const std::string& container_id, const std::string& ifname);

Result<cni::CniResult> cmd_add(const cni::Request& req);
Result<> cmd_del(const cni::Request& req);
Result<> cmd_check(const cni::Request& req);
Result<> cmd_gc(const cni::Request& req);
Result<> cmd_status(const cni::Request& req);

}  // namespace berth::ptp
