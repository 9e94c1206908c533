// Terminals, shared by `run -t` and `exec -t`. A container's terminal comes from its own
// devpts instance (so that its name, /dev/pts/N, means the same inside); the process that
// allocates it, already in the container's mount namespace, hands the master side back to
// the runtime over a unix socket. The runtime relays between the user's terminal (raw
// while attached) and that master: window size at start and on SIGWINCH, output, input.
#pragma once

#include <signal.h>
#include <sys/types.h>
#include <termios.h>

#include <cstddef>

#include "core/error.h"
#include "core/fd.h"

namespace berth::runtime {

// Passes `fd` over the unix socket `sock` (SCM_RIGHTS).
bool send_fd(int sock, int fd);
// Receives one descriptor; invalid when the peer closed the socket without sending.
UniqueFd recv_fd(int sock);

// Child side, inside the container's mount namespace: a new terminal from /dev/pts/ptmx
// becomes 0, 1 and 2, and its master goes over `console_fd`. The caller then calls
// new_session(true) to make it the controlling terminal. With `size_from` (a terminal of
// ours the child still holds), the new one gets its window size before the command runs:
// the relay, which copies it too, only starts once the command has.
[[nodiscard]] Result<> take_terminal(int console_fd, int size_from = -1);
// setsid(); with `tty`, fd 0 becomes the new session's controlling terminal.
[[nodiscard]] Result<> new_session(bool tty);

// Writes all of [p, p+n); false when `fd` is gone (EPIPE: our reader stopped reading).
bool write_all(int fd, const char* p, size_t n);
// Copies the window size of the terminal `from` to the terminal `to` (no-op if either is -1
// or `from` is not a terminal).
void copy_window_size(int from, int to);
// The window size to follow: our stdout's terminal, else our stdin's; -1 for neither.
int window_size_source();

// Our terminal `fd` in raw mode (every key goes to the container's terminal as typed) for
// the lifetime of this object; restored on destruction, whatever path we leave by. A no-op
// when `fd` is -1 or not a terminal.
class RawMode {
 public:
  explicit RawMode(int fd);
  ~RawMode();
  RawMode(const RawMode&) = delete;
  RawMode& operator=(const RawMode&) = delete;
  [[nodiscard]] bool active() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
  termios saved_{};
};

// Blocks SIGWINCH and the signals a terminal would deliver (INT, QUIT, TERM, HUP) and
// reads them from a signalfd instead, for the lifetime of this object. On destruction the
// ones still pending are dropped and the old mask is back.
class TerminalSignals {
 public:
  TerminalSignals();
  ~TerminalSignals();
  TerminalSignals(const TerminalSignals&) = delete;
  TerminalSignals& operator=(const TerminalSignals&) = delete;
  [[nodiscard]] int fd() const { return fd_.get(); }

 private:
  UniqueFd fd_;
  sigset_t old_{};
};

struct TerminalRelay {
  int master = -1;     // the command's terminal
  int input = -1;      // copied to the terminal (-i); -1: nothing is
  int output = 1;      // where the terminal's output goes
  int size_from = -1;  // the terminal whose window size is followed; -1: none
  int signal_fd = -1;  // TerminalSignals::fd(); -1: none
  int done_fd = -1;    // a pidfd: readable once the process we wait for has exited
};

// Relays until the process behind `done_fd` has exited and the terminal's output is
// drained. SIGWINCH copies the window size again; INT, QUIT, TERM and HUP go to the
// terminal's foreground process group, as if the terminal had raised them. When our
// output is gone the command gets SIGHUP, as on a hang-up, and its output is dropped.
void relay_terminal(const TerminalRelay& r);

}  // namespace berth::runtime
