// Looking at a namespace from inside: the kernel's route choice, listening sockets, the
// neighbour table, and a real TCP connection attempt. Each runs on a short-lived thread
// inside the namespace (NetNs::run_in), so the process itself never moves.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/ip.h"
#include "core/netns.h"

namespace berth::runtime::diagnose {

// The source address the kernel picks to reach `dst` from `ns` (connecting a UDP socket
// is a route lookup and sends nothing). `err` is the errno of a failed lookup
// (ENETUNREACH: no route), 0 otherwise.
struct RouteChoice {
  int err = 0;
  IpAddr source;
};
[[nodiscard]] Result<RouteChoice> route_to(const NetNs& ns, const IpAddr& dst);

// Local addresses ("0.0.0.0", "::", "10.88.0.2") of sockets listening on `port` in `ns`
// (TCP: state LISTEN; UDP and others: bound), from /proc/thread-self/net/<proto>{,6}.
[[nodiscard]] Result<std::vector<IpAddr>> listeners(const NetNs& ns, const std::string& proto,
                                                    uint16_t port);
// Parses one /proc/net/{tcp,udp}{,6} table; the addresses bound to `port` in `state`
// (0: any state).
[[nodiscard]] std::vector<IpAddr> parse_proc_net(const std::string& table, int family,
                                                 uint16_t port, int state);

// The neighbour entry of `addr` on link `ifindex` in `ns`: "REACHABLE", "STALE",
// "FAILED", ... ; nullopt when there is none.
[[nodiscard]] Result<std::optional<std::string>> neighbour_state(const NetNs& ns, int ifindex,
                                                                 const IpAddr& addr);

// Connects to dst:port over TCP from `ns`, waiting at most `timeout_ms`; closes at once.
// 0 when the connection was made, else the errno (ETIMEDOUT when nothing answered).
[[nodiscard]] Result<int> tcp_connect(const NetNs& ns, const IpAddr& dst, uint16_t port,
                                      int timeout_ms);

}  // namespace berth::runtime::diagnose
