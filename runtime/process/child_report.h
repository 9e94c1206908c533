// How a child reports a failure between fork/clone and execve: it writes the Error to a
// close-on-exec pipe and exits. The parent reads until EOF: nothing means the exec
// happened (the pipe closed with it), anything else is the child's error, message intact
// ("mount overlay on `/x`: Invalid argument").
#pragma once

#include <sys/types.h>

#include <functional>

#include "core/error.h"

namespace berth::runtime {

// Failures of the exec itself, kept apart so that the CLI can answer Docker's 126
// (found but cannot be run) and 127 (not found). Values outside core's Code list.
inline constexpr Code kCannotInvoke = static_cast<Code>(126);
inline constexpr Code kCommandNotFound = static_cast<Code>(127);

// Child side: writes `e` to `fd`. Async-signal-safe enough for a child of a
// single-threaded parent (one write(2)).
void report_child_error(int fd, const Error& e) noexcept;
// Parent side: waits for EOF on `fd`; returns the error the child wrote, if any.
[[nodiscard]] Result<> read_child_report(int fd);
// The exit status Docker's CLI gives for a failed run: 126, 127, else 125.
int exit_status_for(const Error& e);

// The status of `pid` once it ended, as a shell gives it: its exit code, or 128 + the
// signal that ended it; 255 when waiting failed.
int wait_status(pid_t pid);

// Forks `child` with the write end of a report pipe (`child` must not return: it execs or
// _exits) and waits for it. Meanwhile ^C and ^\ are the child's alone: this process
// ignores them, as a shell does for a foreground job. Once the child has exec'd,
// `attend(pid)`, when given, runs here before the wait (relaying the child's terminal).
// Returns the child's status, or the error it reported before its exec.
[[nodiscard]] Result<int> run_foreground(const std::function<void(int report_fd)>& child,
                                         const std::function<void(pid_t)>& attend = {});

}  // namespace berth::runtime
