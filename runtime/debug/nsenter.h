// Entering a container's namespaces from the host, as nsenter(1) does, so that the host's
// own tools (ip, ss, tcpdump, nft) can look at a container that ships none of them.
// Works for berth's containers (by reference) and for any other process or network
// namespace (by pid or namespace file). Every descriptor is opened first, from one
// source, and only then joined: no path is looked at twice.
#pragma once

#include <sys/types.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/fd.h"
#include "runtime/container/runtime.h"

namespace berth::runtime::debug {

// Which namespaces to enter: a bit set.
enum NsBit : unsigned {
  kNsNet = 1U << 0,
  kNsMount = 1U << 1,
  kNsPid = 1U << 2,
  kNsUts = 1U << 3,
  kNsIpc = 1U << 4,
  kNsCgroup = 1U << 5,
};
inline constexpr unsigned kNsAll = kNsNet | kNsMount | kNsPid | kNsUts | kNsIpc | kNsCgroup;
inline constexpr size_t kNsKinds = 6;

// Where the namespaces come from: a process (any kind of namespace) or a network
// namespace file (/run/netns/NAME, /proc/PID/ns/net, a runtime's bind mount).
struct NsTarget {
  pid_t pid = 0;           // 0: netns_path instead
  uint64_t pid_start = 0;  // the process's start time, against pid reuse (0: unknown)
  std::string netns_path;
  std::string label;  // for messages: "container `web`", "pid 42", "`/run/netns/x`"
};

// Namespace descriptors, opened once; invalid where not asked for.
struct NsFds {
  std::array<UniqueFd, kNsKinds> ns;  // in join order (see nsenter.cpp)
  UniqueFd root;                      // the target's root directory, with kNsMount
};

// A running berth container by name, full ID or unique ID prefix. Code 3 when there is
// no such container, code 7 when it is not running.
[[nodiscard]] Result<NsTarget> container_target(Runtime& rt, const std::string& ref);
// Any process on the host. Code 3 when it does not exist.
[[nodiscard]] Result<NsTarget> pid_target(pid_t pid);
// A network namespace file; a bare NAME means /run/netns/NAME (as `ip netns` names it).
[[nodiscard]] NsTarget netns_target(const std::string& path_or_name);

// Opens the namespaces in `which` (NsBit) of `t`. A namespace file target has only a
// network namespace: asking it for others is code 7. Permission problems say that root
// (CAP_SYS_ADMIN) is needed.
[[nodiscard]] Result<NsFds> open_namespaces(const NsTarget& t, unsigned which);

// Runs `argv` (empty: the user's $SHELL, else /bin/sh) inside `fds` and returns its exit
// status (128+N when signal N ended it). Without the mount namespace the command gets a
// private mount namespace (a slave of the host's, so nothing leaks back) with a sysfs
// of the entered network namespace on /sys and, with the pid namespace, a procfs of it
// on /proc. A command that cannot be started is an error (kCommandNotFound /
// kCannotInvoke from child_report.h).
[[nodiscard]] Result<int> run_in_namespaces(const NsFds& fds, const std::vector<std::string>& argv);

}  // namespace berth::runtime::debug
