// Container lifecycle verbs, each safe against concurrent berth invocations: create,
// start (detached, with its own monitor) or run attached, stop, kill, remove. IDs given
// here are full IDs (resolve names with Store::resolve first).
#pragma once

#include <string>
#include <vector>

#include "core/error.h"
#include "runtime/container/launch.h"
#include "runtime/container/runtime.h"

namespace berth::runtime {

struct CreateRequest {
  std::string name;          // "" picks a random free one
  ContainerConfig config;    // image, cmd, env... as the user gave them
  bool publish_all = false;  // -P
};

// Resolves the image (building busybox on first use) and fills the config's defaults
// from it, validates the network mode, allocates ID and unique name, and records the
// container as created. Nothing is left behind on error.
[[nodiscard]] Result<Container> create_container(Runtime& rt, CreateRequest req);

// Starts a created or exited container under a new detached monitor; returns once its
// command runs (or with the error that kept it from running). No-op when running.
[[nodiscard]] Result<> start_detached(Runtime& rt, const std::string& id);
// Starts it with this process as the monitor, streams its output, returns its exit status.
[[nodiscard]] Result<int> run_attached(Runtime& rt, const std::string& id, const LaunchIo& io);

// SIGTERM, then SIGKILL after `timeout_s`; returns once the exit is recorded. A stopped
// container is not an error. The restart policy does not restart it.
[[nodiscard]] Result<> stop_container(Runtime& rt, const std::string& id, int timeout_s);
// Sends `sig` to the container's init. Code 7 when it is not running.
[[nodiscard]] Result<> kill_container(Runtime& rt, const std::string& id, int sig);
// Freezes every process of a running container (status paused) / thaws them again.
[[nodiscard]] Result<> pause_container(Runtime& rt, const std::string& id);
[[nodiscard]] Result<> unpause_container(Runtime& rt, const std::string& id);
// Removes a stopped container (`force`: kills a running one first) and everything it had.
[[nodiscard]] Result<> remove_container(Runtime& rt, const std::string& id, bool force);
// The removal itself, for a caller that holds the lock and knows the container is stopped.
[[nodiscard]] Result<> remove_locked(Runtime& rt, Container& c);

// A record that says running while neither its monitor nor its init exists any more (a
// killed monitor, a reboot) becomes exited, and what it held is freed. Caller holds the
// lock. Returns whether the record changed (it is saved then).
[[nodiscard]] Result<bool> reconcile_locked(Runtime& rt, Container& c);
// Loads a record, reconciling it first when it looks stale.
[[nodiscard]] Result<Container> load_reconciled(Runtime& rt, const std::string& id);

}  // namespace berth::runtime
