// The path `berth net diagnose` walks: which container it starts from, on which network,
// and where it goes (another container, an address, or one of its own published ports),
// plus what the kernel shows of each container's link right now.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/ip.h"
#include "core/netlink/link.h"
#include "runtime/container/runtime.h"
#include "runtime/container/state.h"

namespace berth::runtime::diagnose {

// A berth container on one of its networks.
struct Endpoint {
  std::string name;  // container name (its ID when it has none)
  std::string id;
  bool running = false;
  std::string netns;           // the namespace file while it runs
  NetAttachment att;           // the network it is on there and what it was given
  net::NetworkInfo net;        // that network: bridge, subnets, gateways, internal, icc
  std::optional<IpAddr> addr;  // its recorded address (IPv4 first)
};

enum class TargetKind {
  kOutside,    // no --to, or an address of no container on this host
  kHost,       // an address of the host itself
  kContainer,  // --to CONTAINER, or the address of one
  kPublished,  // --published: the host's port DNATed to the container itself
};

struct Path {
  Endpoint from;
  TargetKind kind = TargetKind::kOutside;
  std::optional<Endpoint> to;  // kContainer; kPublished: the container itself
  std::optional<IpAddr> dst;   // where the packets go; none for "the outside" in general
  uint16_t port = 0;           // 0: no port given
  std::string proto = "tcp";
  std::optional<net::PortMapping> published;  // kPublished: the container's recorded mapping
  [[nodiscard]] std::string describe_target() const;
};

struct Request {
  std::string container;
  std::string to;         // ADDR[:PORT], [V6ADDR]:PORT or CONTAINER[:PORT]
  std::string published;  // HOSTPORT[/PROTO]
};

// Resolves containers, networks and addresses. Code 7 for bad syntax, an unknown
// container or a port the container does not publish (the CLI's usage errors).
[[nodiscard]] Result<Path> resolve_path(Runtime& rt, const Request& req);

// What the kernel shows of an endpoint's link: the container's interface and its
// addresses (in its namespace), the veth's host end and the bridge (in the host's).
struct Observed {
  std::optional<netlink::LinkInfo> ctr_link;
  std::vector<Prefix> ctr_addrs;
  std::optional<netlink::LinkInfo> host_veth;
  std::optional<netlink::LinkInfo> bridge;
  std::vector<Prefix> bridge_addrs;
  std::string error;  // set when the namespace could not be read at all
  // The container's current address of `family` (the recorded one when it is there).
  [[nodiscard]] std::optional<IpAddr> current_addr(const Endpoint& e, int family) const;
};
[[nodiscard]] Observed observe(const Endpoint& e);

}  // namespace berth::runtime::diagnose
