// The hops, grouped as the path crosses them. Each appends to the report what it saw and
// its verdict; none changes anything on the host or in a container.
#pragma once

#include <optional>

#include "core/ip.h"
#include "core/nft/inspect.h"
#include "runtime/diagnose/path.h"
#include "runtime/diagnose/report.h"

namespace berth::runtime::diagnose {

// link_hops.cpp: the container's interface (up, its address, a route to `dst` when given),
// the veth's host end (present, up, a port of the network's bridge), the bridge (up, its
// gateway address).
void container_link_hop(Report& r, const Endpoint& e, const Observed& o,
                        const std::optional<IpAddr>& dst);
void veth_hop(Report& r, const Endpoint& e, const Observed& o);
void bridge_hop(Report& r, const Endpoint& e, const Observed& o);

// host_hops.cpp: ip_forward (needed when the path is routed through the host) and the
// bridge-netfilter switches (shown; they decide whether bridged traffic meets inet rules).
void forwarding_hop(Report& r, const Path& p);
void bridge_netfilter_hop(Report& r);

// firewall_hops.cpp: berth's nftables state on the path: isolation between networks,
// internal, icc=false, masquerade, the DNAT map entry of a published port.
void firewall_hops(Report& r, const Path& p, const nft::RulesetView& rules, const Observed& from,
                   const Observed* to);

// The berth-bridge conflist flag `key` of the network (false when absent).
[[nodiscard]] bool bridge_flag(const net::NetworkInfo& n, const char* key);
// "eth0 in container web".
[[nodiscard]] std::string link_name(const Endpoint& e);

}  // namespace berth::runtime::diagnose
