// `berth exec -t`: the command gets a pseudo-terminal of its own from the container's
// devpts, as with `docker exec -it`. Under a terminal the tests make here (a pty whose
// slave is the controlling terminal of a wrapper shell), -it relays keys, the window size
// (at start and on SIGWINCH) and ^C, passes the exit status through, and gives the
// terminal back in the mode it was in; -it without a terminal is refused as Docker does.
#include <catch2/catch.hpp>
#include <chrono>
#include <regex>
#include <thread>

#include "tests/netns/terminal_helpers.h"

using namespace berth::test;

TEST_CASE("exec tty: -t gives the command a terminal of its own from the container's devpts",
          "[runtime][exec][tty]") {
  Berth berth;
  berth.ok("run -d --net none --name box busybox sleep 1000");
  // No terminal here (stdin is not one): -t alone still allocates one and relays output.
  auto tty = berth("exec -t box tty </dev/null");
  INFO("stderr: " << tty.err);
  CHECK(tty.rc == 0);
  CHECK(std::regex_match(Berth::trim(strip_cr(tty.out)), std::regex("/dev/pts/[0-9]+")));
  // The name means the same inside: the container's own devpts, where fd 0 is that node.
  auto same = berth(
      "exec -t box sh -c 't=$(tty) && [ $t -ef /proc/$$/fd/0 ] && echo same:$t' "
      "</dev/null");
  CHECK(std::regex_match(Berth::trim(strip_cr(same.out)), std::regex("same:/dev/pts/[0-9]+")));
  // The controlling terminal of its session (tty_nr, field 7, is not 0); TERM is set.
  CHECK(Berth::trim(strip_cr(
            berth.ok("exec -t box sh -c 'cut -d\" \" -f7 /proc/$$/stat' </dev/null"))) != "0");
  CHECK(Berth::trim(strip_cr(berth.ok("exec -t box sh -c 'echo $TERM' </dev/null"))) == "xterm");
  CHECK(Berth::trim(strip_cr(
            berth.ok("exec -t -e TERM=vt100 box sh -c 'echo $TERM' </dev/null"))) == "vt100");
  // stderr comes through the terminal too; the exit status passes through.
  auto err = berth("exec -t box sh -c 'echo oops >&2; exit 7' </dev/null");
  CHECK(err.rc == 7);
  CHECK(contains(err.out, "oops"));
  CHECK(err.err.empty());

  // Without -t: no terminal at all (not even ours), as before.
  auto plain = berth("exec box tty");
  CHECK(plain.rc == 1);
  CHECK(Berth::trim(plain.out) == "not a tty");
  CHECK(Berth::trim(berth.ok("exec box sh -c 'cut -d\" \" -f7 /proc/$$/stat'")) == "0");

  auto help = berth("exec --help");
  CHECK(contains(help.out, "pseudo-TTY"));
  CHECK_FALSE(contains(help.out, "shares our terminal"));
}

TEST_CASE("exec tty: -it relays typed input and the window size and passes the exit status through",
          "[runtime][exec][tty]") {
  Berth berth;
  berth.ok("run -d --net none --name box busybox sleep 1000");
  bool raw_while_attached = false;
  auto r =
      on_terminal("stty rows 33 cols 101; " + berth_cmd(berth) +
                      " exec -it box sh -c 'stty size; echo ready; read x; echo got:$x; exit 7'; "
                      "echo rc=$?",
                  {{"ready", [&](int master, const std::string& slave) {
                      termios t = modes_of(slave);
                      raw_while_attached = !(t.c_lflag & (ICANON | ECHO | ISIG));
                      type(master, "world\r");
                    }}});
  CHECK(contains(r.out, "33 101\n"));
  CHECK(contains(r.out, "got:world\n"));
  CHECK(contains(r.out, "rc=7\n"));
  CHECK(raw_while_attached);
}

TEST_CASE("exec tty: -it follows a resize of the user's terminal while it runs",
          "[runtime][exec][tty]") {
  Berth berth;
  berth.ok("run -d --net none --name box busybox sleep 1000");
  auto r =
      on_terminal("stty rows 33 cols 101; " + berth_cmd(berth) +
                      " exec -it box sh -c 'echo ready; read x; stty size'",
                  {{"ready", [&](int master, const std::string&) {
                      winsize ws{40, 120, 0, 0};
                      REQUIRE(::ioctl(master, TIOCSWINSZ, &ws) == 0);  // SIGWINCH to its foreground
                      std::this_thread::sleep_for(std::chrono::milliseconds(300));
                      type(master, "go\r");
                    }}});
  CHECK(contains(r.out, "40 120\n"));
  CHECK(r.rc == 0);
}

TEST_CASE("exec tty: -it sends ^C to the command and the status is 128 plus the signal",
          "[runtime][exec][tty]") {
  Berth berth;
  berth.ok("run -d --net none --name box busybox sleep 1000");
  auto t0 = std::chrono::steady_clock::now();
  auto r =
      on_terminal(berth_cmd(berth) + " exec -it box sh -c 'echo ready; exec sleep 100'; echo rc=$?",
                  {{"ready", [&](int master, const std::string&) { type(master, "\x03"); }}});
  CHECK(contains(r.out, "rc=130\n"));
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(30));
  // The command is gone with its ^C; the container is not.
  CHECK_FALSE(contains("\n" + berth.ok("exec box ps -o args") + "\n", "\nsleep 100\n"));
  CHECK(berth.inspect("box")["State"]["Status"] == "running");
}

TEST_CASE("exec tty: -t passes ^C and SIGTERM on to the command and hangs up when our output goes",
          "[runtime][exec][tty]") {
  Berth berth;
  berth.ok("run -d --net none --name box busybox sleep 1000");
  std::string b = berth_cmd(berth);
  // Our terminal stays cooked: its ^C reaches berth (the wrapper ignores it), and berth
  // hands it to the foreground of the command's terminal, as that terminal would.
  auto r = on_terminal(
      "trap '' INT; " + b + " exec -t box sh -c 'echo ready; exec sleep 30'; echo rc=$?",
      {{"ready", [&](int master, const std::string&) { type(master, "\x03"); }}});
  CHECK(contains(r.out, "rc=130\n"));
  // SIGTERM to berth goes on to the command; its status comes back.
  std::string dir = temp_dir();
  std::string term = sh("cd " + dir + " && { " + b +
                        " exec -t box sh -c 'echo ready; exec sleep 30' >out 2>&1 </dev/null & "
                        "p=$!; for i in $(seq 100); do grep -q ready out && break; sleep 0.1; "
                        "done; kill -TERM $p; wait $p; echo rc=$?; }");
  CHECK(contains(term, "rc=143"));
  // A reader that went away (`| head -n1`): the command gets SIGHUP instead of writing on.
  auto t0 = std::chrono::steady_clock::now();
  std::string head = sh("timeout 20 " + b + " exec -t box sh -c 'while :; do echo y; done' " +
                        "</dev/null | head -n1");
  CHECK(Berth::trim(strip_cr(head)) == "y");
  CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(15));
  std::string left;
  wait_for([&] {
    left = berth.ok("exec box ps -o args");
    return !contains(left, "echo y") && !contains(left, "sleep 30");
  });
  INFO(left);
  CHECK_FALSE(contains(left, "echo y"));
  CHECK_FALSE(contains(left, "sleep 30"));
}

TEST_CASE("exec tty: -t without -i does not relay our input and leaves our terminal cooked",
          "[runtime][exec][tty]") {
  Berth berth;
  berth.ok("run -d --net none --name box busybox sleep 1000");
  bool cooked = false;
  auto r = on_terminal(berth_cmd(berth) +
                           " exec -t box sh -c 'echo ready; read -t 3 x; echo got:$x.'; "
                           "echo rc=$?",
                       {{"ready", [&](int master, const std::string& slave) {
                           cooked = (modes_of(slave).c_lflag & ICANON) != 0;
                           type(master, "world\r");
                         }}});
  CHECK(cooked);
  CHECK(contains(r.out, "got:.\n"));
  CHECK_FALSE(contains(r.out, "got:world"));
  CHECK(contains(r.out, "rc=0\n"));
}

TEST_CASE("exec tty: -it gives the user's terminal back in its mode on success and on failure",
          "[runtime][exec][tty]") {
  Berth berth;
  berth.ok("run -d --net none --name box busybox sleep 1000");
  std::string b = berth_cmd(berth);
  auto r =
      on_terminal("before=$(stty -g); " + b + " exec -it box true; echo rc1=$?; " + b +
                  " exec -it box sh -c 'exit 7'; echo rc2=$?; " + b +
                  " exec -it box no-such-command; echo rc3=$?; " + b +
                  " exec -it box sh -c 'stty -echo raw; exit 3'; echo rc4=$?; "
                  "after=$(stty -g); echo before=$before; echo after=$after; "
                  "[ \"$before\" = \"$after\" ] && echo terminal:same || echo terminal:changed");
  CHECK(contains(r.out, "rc1=0\n"));
  CHECK(contains(r.out, "rc2=7\n"));
  CHECK(contains(r.out, "rc3=127\n"));
  CHECK(contains(r.out, "rc4=3\n"));
  CHECK(contains(r.out, "executable file not found"));
  CHECK(contains(r.out, "terminal:same\n"));
}

TEST_CASE("exec tty: -it with stdin not a terminal is refused as Docker does and runs nothing",
          "[runtime][exec][tty]") {
  Berth berth;
  berth.ok("run -d --net none --name box busybox sleep 1000");
  auto r = berth("exec -it box touch /tmp/ran </dev/null");
  CHECK(r.rc == 1);
  CHECK(contains(r.err, "the input device is not a TTY"));
  CHECK(r.out.empty());
  CHECK(berth("exec box test -e /tmp/ran").rc == 1);
  // The container is looked up first: an unknown one says so instead.
  auto unknown = berth("exec -it nosuch true </dev/null");
  CHECK(unknown.rc != 0);
  CHECK_FALSE(contains(unknown.err, "not a TTY"));
  // -i alone and -t alone need no terminal.
  CHECK(Berth::trim(sh("echo hello | " + berth_cmd(berth) + " exec -i box cat")) == "hello");
  CHECK(berth("exec -t box true </dev/null").rc == 0);
}
