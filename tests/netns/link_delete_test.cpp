// netlink::delete_link_unwaited against the real kernel, in the test's private namespace:
// the link (and its veth peer) is gone when the call returns, its name free again, and
// the descriptors handed to the child stay open exactly until the caller exits.
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "core/netlink/link.h"
#include "core/netlink/link_delete.h"
#include "tests/netns/fixture.h"

using berth::test::sh;
using berth::test::sh_in;

namespace {

void run(const std::string& cmd) {
  int rc = -1;
  sh(cmd, &rc);
  REQUIRE(rc == 0);
}

// What poll() saw on `fd` within `ms`: 0 nothing, else its revents.
short events_within(int fd, int ms) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, ms) > 0 ? p.revents : 0;
}

}  // namespace

TEST_CASE("a link deleted without waiting is gone with its peer when the call returns") {
  const std::string ctr = berth::test::make_netns("c");
  run("ip link add vh type veth peer name vc netns " + ctr + " && ip link set vh up");
  auto s = berth::netlink::Socket::open();
  REQUIRE(s);

  auto gone = berth::netlink::delete_link_unwaited(*s, "vh");
  REQUIRE(gone);
  CHECK(*gone);
  auto left = berth::netlink::get_link(*s, "vh");
  REQUIRE(left);
  CHECK_FALSE(left->has_value());
  int rc = -1;
  sh_in(ctr, "ip link show vc", &rc);
  CHECK(rc != 0);  // the peer went with it
  // The name is free at once: a runtime re-adding the same attachment must not collide.
  run("ip link add vh type veth peer name vc2");

  auto again = berth::netlink::delete_link_unwaited(*s, "nosuchlink");
  REQUIRE(again);
  CHECK_FALSE(*again);
  berth::test::delete_netns(ctr);
}

TEST_CASE("descriptors handed to the deleting child stay open until the caller exits") {
  run("ip link add vh type veth peer name vc");
  int linger[2], go[2], out[2];
  REQUIRE(::pipe(linger) == 0);
  REQUIRE(::pipe(go) == 0);
  REQUIRE(::pipe(out) == 0);
  pid_t caller = ::fork();  // stands for a plugin: short-lived, its stdout read by a runtime
  REQUIRE(caller >= 0);
  if (caller == 0) {
    ::dup2(out[1], 1);
    ::close(out[0]);
    ::close(out[1]);
    ::close(linger[0]);
    ::close(go[1]);
    auto s = berth::netlink::Socket::open();
    if (!s) _exit(2);
    std::vector<int> keep = {linger[1]};
    auto gone = berth::netlink::delete_link_unwaited(*s, "vh", keep);
    if (!gone || !*gone) _exit(3);
    ::close(linger[1]);  // only the child's copy is left now
    (void)!::write(1, "done", 4);
    ::close(1);
    char byte;
    (void)!::read(go[0], &byte, 1);  // until the test lets us end
    _exit(0);
  }
  ::close(linger[1]);
  ::close(go[0]);
  ::close(out[1]);
  // The caller's stdout ends when the caller closes it: the child holds no copy.
  std::string said;
  bool ended = false;
  for (char buf[16]; !ended && events_within(out[0], 5000);) {
    ssize_t n = ::read(out[0], buf, sizeof buf);
    if (n > 0) said.append(buf, size_t(n));
    ended = n == 0;
  }
  CHECK(said == "done");
  CHECK(ended);  // while the caller still runs
  // The caller closed its copy of the lingering pipe, yet it is still open: the child's.
  CHECK(events_within(linger[0], 300) == 0);
  ::close(go[1]);  // the caller exits now
  int status = 0;
  REQUIRE(::waitpid(caller, &status, 0) == caller);
  CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 0));
  // ...and with the caller gone, the child closes it and ends.
  CHECK((events_within(linger[0], 5000) & POLLHUP) != 0);
  ::close(linger[0]);
  ::close(out[0]);
}
