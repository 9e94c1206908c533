// `exec`: running another command inside a running container. Like nsenter: every
// namespace of the container's init is opened first, then joined in a fixed order; after
// the pid namespace a fork makes the command a member of it. The command joins the
// container's cgroups and gets the same capabilities as the container.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "core/error.h"

namespace berth::runtime {

struct ExecSpec {
  pid_t pid = 0;           // the container's init (host pid)
  uint64_t pid_start = 0;  // its start time, against pid reuse
  std::vector<std::string> argv;
  std::vector<std::string> env;
  std::string workdir = "/";
  std::vector<std::string> cgroups;  // directories whose cgroup.procs the command joins
  bool keep_stdin = false;           // -i; otherwise stdin is /dev/null (with `tty`: the
                                     // terminal, which gets nothing of ours)
  bool tty = false;  // -t: the command gets a terminal of its own (from the container's
                     // devpts) as its controlling terminal and 0, 1, 2; its output comes to
                     // our stdout and, with keep_stdin, our stdin goes to it (ours raw)
};

// Runs the command with this process's stdout/stderr (or, with `tty`, relays its terminal)
// and returns its exit status (128+N for a signal). A failure to start it comes back as an
// error (kCommandNotFound, kCannotInvoke for Docker's 127/126). Our terminal's mode is
// restored whichever way this returns.
[[nodiscard]] Result<int> exec_in(const ExecSpec& spec);

}  // namespace berth::runtime
