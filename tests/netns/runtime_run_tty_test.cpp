// `berth run -t` in the foreground under a terminal the test makes: the container's
// terminal takes the user's window size at start and follows it when it changes, with -i
// and without it (without -i our stdin is not relayed, but the terminal is still ours).
#include <sys/ioctl.h>

#include <catch2/catch.hpp>
#include <string>

#include "tests/netns/terminal_helpers.h"

using namespace berth::test;

namespace {

// The container prints its size, says "ready", then polls its size until it is 40x120 (a
// few seconds at most) and prints the last one: no input is needed, so -i is optional.
const std::string kWatchSize =
    "sh -c 'stty size; echo ready; for i in $(seq 50); do s=$(stty size); "
    "[ \"$s\" = \"40 120\" ] && break; sleep 0.1; done; echo final:$s'";

// Resizes the user's terminal, as a window manager would: SIGWINCH to its foreground.
void resize_to_40x120(int master, const std::string&) {
  winsize ws{40, 120, 0, 0};
  REQUIRE(::ioctl(master, TIOCSWINSZ, &ws) == 0);
}

}  // namespace

TEST_CASE("run -t without -i follows a resize of the user's terminal", "[runtime][run][tty]") {
  Berth berth;
  auto r = on_terminal("stty rows 33 cols 101; " + berth_cmd(berth) +
                           " run --rm -t --net none busybox " + kWatchSize + "; echo rc=$?",
                       {{"ready", resize_to_40x120}});
  CHECK(contains(r.out, "33 101\n"));  // the size at start
  CHECK(contains(r.out, "final:40 120\n"));
  CHECK(contains(r.out, "rc=0\n"));
}

TEST_CASE("run -it follows a resize of the user's terminal", "[runtime][run][tty]") {
  Berth berth;
  auto r = on_terminal("stty rows 33 cols 101; " + berth_cmd(berth) +
                           " run --rm -it --net none busybox " + kWatchSize + "; echo rc=$?",
                       {{"ready", resize_to_40x120}});
  CHECK(contains(r.out, "33 101\n"));
  CHECK(contains(r.out, "final:40 120\n"));
  CHECK(contains(r.out, "rc=0\n"));
}
