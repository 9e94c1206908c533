// `network connect` / `network disconnect`: attaching a running container to one more
// network (eth1, eth2, ...) or detaching it from one, through the same plugins as at
// start. The change lasts while the container runs; a restart brings back its own network.
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

// Code 7 when the container is not running, has no network namespace of its own (host,
// container:), or is on the network already.
[[nodiscard]] Result<> connect_container(Runtime& rt, const std::string& id,
                                         const ConnectRequest& req);
// Code 7 when it is not attached to `network`.
[[nodiscard]] Result<> disconnect_container(Runtime& rt, const std::string& id,
                                            const std::string& network);

// The first of eth0, eth1, ... that `used` does not hold (pure).
std::string next_ifname(const std::vector<std::string>& used);

}  // namespace berth::runtime
