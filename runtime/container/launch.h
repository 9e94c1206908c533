// Bringing a created container up, and taking down what that made. launch() is the one
// place that orders the steps: network namespace, plugin attachments (before the process
// exists, as a CNI runtime must), /etc files, cgroups, then the init process. Each step
// is undone if a later one fails.
#pragma once

#include <string>

#include "core/error.h"
#include "core/fd.h"
#include "runtime/container/runtime.h"
#include "runtime/container/state.h"
#include "runtime/process/spawn.h"

namespace berth::runtime {

struct LaunchIo {
  int stdin_fd = -1;  // -1: /dev/null. With a terminal (-t) it is copied to the terminal.
};

// What a launched container hands to its supervisor.
struct Launched {
  Spawned init;
  UniqueFd out;  // read ends of the container's stdout and stderr; with -t, `out` reads
  UniqueFd err;  // the terminal (both streams) and `err` is invalid
  UniqueFd tty;  // -t: the terminal's master side (for input and window size); else invalid
};

// Starts container `c` (its record is updated: running, pid, netns, networks, started_at;
// the caller saves it). The caller holds the container's lock.
[[nodiscard]] Result<Launched> launch(Runtime& rt, Container& c, const LaunchIo& io);

// Frees what a stopped container held on the host: plugin attachments (DEL in reverse),
// the netns file, the cgroups. Best effort and idempotent: every step runs, the first
// error is returned. Updates the record (netns, networks cleared).
[[nodiscard]] Result<> teardown(Runtime& rt, Container& c);

// The record of what a plugin chain gave an attachment (first IPv4/IPv6 address and
// gateway, MAC, resolved ports).
NetAttachment attachment_record(const net::Attachment& a, const std::vector<std::string>& aliases);

// The environment the container's processes get: its config's, HOSTNAME, HOME and TERM
// when missing.
std::vector<std::string> container_env(const Container& c, const std::string& hostname);
// The hostname: --hostname, else the host's (host network), else the short ID.
std::string container_hostname(const Container& c);

}  // namespace berth::runtime
