// Connection tracking entries (ctnetlink over libmnl), in the calling thread's netns.
//
// Why: a UDP "connection" is tracked as long as datagrams keep coming. When a container
// that published a UDP port goes away and another one publishes the same port, a client
// that keeps sending from the same source port still matches the old entry, whose NAT
// points at the old container's address, and never reaches the new one. Forgetting the
// entries for a published port when it is (re)published makes the next datagram go
// through DNAT again.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

#include "core/error.h"
#include "core/ip.h"

namespace berth::netlink {

struct FlowMatch {
  uint8_t protocol = 0;       // IPPROTO_UDP, IPPROTO_SCTP, ...
  uint16_t dst_port = 0;      // the original destination port (the host port)
  std::optional<IpAddr> dst;  // nullopt: any original destination address
};

// Deletes every conntrack entry of either family whose original tuple matches one of
// `matches`, after one dump of the table. Returns how many went. Entries that vanish
// meanwhile are not an error.
[[nodiscard]] Result<size_t> forget_flows(std::span<const FlowMatch> matches);

}  // namespace berth::netlink
