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
// now; any container is attached at each later start.
[[nodiscard]] Result<> connect_container(Runtime& rt, const std::string& id,
                                         const ConnectRequest& req);
// Code 7 when it is not on `network`. A stopped container can only leave networks it
// joined through connect (its own network comes back at start).
[[nodiscard]] Result<> disconnect_container(Runtime& rt, const std::string& id,
                                            const std::string& network);

// Attaches the running container `c` to `n` on its next free ethN and records the
// attachment in c.state.networks (not saved).
[[nodiscard]] Result<NetAttachment> attach_connected(Runtime& rt, Container& c,
                                                     const ConnectedNetwork& n);

// The first of eth0, eth1, ... that `used` does not hold (pure).
std::string next_ifname(const std::vector<std::string>& used);

}  // namespace berth::runtime
