// `network connect` / `network disconnect`: attaching a running container to one more
// network (eth1, eth2, ...) or detaching it from one, through the same plugins as at
// start. Stopped containers can be connected and disconnected too: the networks joined
// this way are kept in Container::connected and attached again at every (re)start.
#pragma once

#include <string>
#include <vector>

#include "core/error.h"
#include "runtime/container/runtime.h"

namespace berth::runtime {

struct ConnectRequest {
  std::string network;
  std::vector<std::string> aliases;
  std::string ip;  // --ip; "" lets IPAM choose
};

// Code 7 when the container has no network namespace of its own (host, container:), is
// on the network already, or the network does not exist. A running container is attached
// now; any container is attached at each later start. Its own network, left with
// disconnect, comes back as it was created (code 7 for --alias or --ip with it).
[[nodiscard]] Result<> connect_container(Runtime& rt, const std::string& id,
                                         const ConnectRequest& req);
// Code 7 when it is not on `network`. Leaving its own (--net) network lasts, as in
// Docker: the container starts without it (only `lo`, plus connected networks) until
// `network connect` brings it back. Running or not.
[[nodiscard]] Result<> disconnect_container(Runtime& rt, const std::string& id,
                                            const std::string& network);

// Attaches the running container `c` to `n` on its next free ethN and records the
// attachment in c.state.networks (not saved).
[[nodiscard]] Result<NetAttachment> attach_connected(Runtime& rt, Container& c,
                                                     const ConnectedNetwork& n);

// Whether the container's own network mode (bridge or a network name, not host, none or
// container:) uses the plugins: launch() attaches it first, as eth0.
bool uses_plugins(const std::string& mode);
// Whether `network` is the one container `c` was created on (--net; "bridge" by default).
bool is_own_network(const Container& c, const std::string& network);
// Attaches the container to its own network in c.state.netns, with its -p, --ip,
// --mac-address and aliases, on its next free ethN; recorded in c.state.networks (not saved).
[[nodiscard]] Result<NetAttachment> attach_own(Runtime& rt, Container& c);

// The first of eth0, eth1, ... that `used` does not hold (pure).
std::string next_ifname(const std::vector<std::string>& used);

}  // namespace berth::runtime
