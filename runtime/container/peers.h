// Name resolution on user-defined networks, by hosts files: every running container on
// such a network lists the others there by name, alias and short ID in its /etc/hosts,
// rewritten in place (the file is bind-mounted) whenever one of them starts or stops.
// As in Docker, the default network `bridge` has no name resolution.
#pragma once

#include <string>
#include <vector>

#include "runtime/container/etc_files.h"
#include "runtime/container/runtime.h"
#include "runtime/container/state.h"

namespace berth::runtime {

// The user-defined networks among `c`'s attachments.
std::vector<std::string> user_networks(const Container& c);
// Every running container's peers on `networks`, as HostsPeer lines (pure).
std::vector<HostsPeer> peers_of(const Container& self, const std::vector<Container>& all);
// Rewrites the hosts files of the running containers on `networks`. Best effort: a
// container that is stopping meanwhile is skipped.
void refresh_peer_hosts(Runtime& rt, const std::vector<std::string>& networks);

}  // namespace berth::runtime
