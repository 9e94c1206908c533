// The monitor: the parent of a container's init process. Without a daemon, each running
// container has one (a detached process for `run -d`/`start`, the CLI itself for a
// foreground `run`). It copies the container's output into the log, reaps the init,
// records the exit in state.json, frees what the container held, applies the restart
// policy and, for --rm, removes the container.
#pragma once

#include <string>

#include "runtime/container/launch.h"
#include "runtime/container/runtime.h"

namespace berth::runtime {

struct SuperviseOptions {
  bool echo = false;           // also copy the output to our own stdout/stderr
  bool proxy_signals = false;  // forward INT, TERM, HUP, QUIT, USR1, USR2 to the container
  LaunchIo io;                 // for restarts
  // -t: the terminal whose window size the container's follows (at start and on SIGWINCH);
  // -1: none. Not io.stdin_fd: without -i that is no terminal of ours, yet the user's
  // terminal still resizes.
  int size_from = -1;
};

// Supervises container `id`, already launched as `l` and recorded as running, until it
// has exited for good. Takes the container lock only to record. Returns the last exit
// status (128+N for a signal).
int supervise(Runtime& rt, const std::string& id, Launched l, const SuperviseOptions& o);

}  // namespace berth::runtime
