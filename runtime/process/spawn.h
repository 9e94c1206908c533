// The container's first process: cloned into new pid, mount, uts and ipc namespaces, it
// enters its network namespace and builds its rootfs while the parent puts it into its
// cgroups, then waits for that, enters its cgroup namespace, mounts it on /sys/fs/cgroup,
// drops capabilities and execs the command.
// Its failures before exec reach the parent with their message (child_report.h).
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/fd.h"
#include "runtime/rootfs/cgroup_fs.h"
#include "runtime/rootfs/mounts.h"

namespace berth::runtime {

struct InitSpec {
  std::vector<std::string> argv;  // argv[0] is looked up in the container's PATH
  std::vector<std::string> env;   // the whole environment (K=V)
  std::string workdir = "/";      // created when missing, as Docker does
  std::string hostname;
  int netns_fd = -1;   // network namespace to join; -1: keep the caller's (host)
  int userns_fd = -1;  // user namespace (userns.h) the init is created in; -1: the host's
  RootfsSpec rootfs;
  CgroupFsSpec cgroup_fs;  // mounted once the init is in its cgroups and their namespace
  int stdin_fd = -1;       // become 0, 1, 2 in the container
  int stdout_fd = -1;
  int stderr_fd = -1;
  bool tty = false;  // a terminal from the container's own devpts becomes 0, 1, 2 (the
                     // stdio fds above are ignored) and its master is handed back
};

struct Spawned {
  pid_t pid = 0;   // host pid of the container's init
  UniqueFd pidfd;  // for waiting and signalling without pid-reuse races
  UniqueFd tty;    // InitSpec::tty: the terminal's master side; else invalid
};

// Clones the init. `place(pid)` runs in the parent while the child builds its rootfs
// (cgroup placement; the child execs only after it); if it fails the child is killed.
// Returns once the command has been exec'd, or the child's own error (code
// kCommandNotFound / kCannotInvoke for the exec).
// The child is a child of the caller: the caller reaps it.
[[nodiscard]] Result<Spawned> spawn_init(const InitSpec& spec,
                                         const std::function<Result<>(pid_t)>& place);

// Child side of spawn_init and of exec: execve(argv[0]) searched in env's PATH, with
// Docker's wording for failures. Returns only on failure.
Error exec_command(const std::vector<std::string>& argv, const std::vector<std::string>& env);

// Resets the signal mask and every ignored signal to default (both survive execve).
void reset_signals();

}  // namespace berth::runtime
