// A UDP port published again by a new container: a client that keeps sending from the
// same source port must reach the new container, not the tracked flow of the old one.
#include <catch2/catch.hpp>

#include "tests/netns/portmap_helpers.h"

using namespace berth::test;

namespace {

// Sends one datagram from `netns` to host:port, always from source port 40000, and
// returns the answer ("" after 1.5 s).
std::string send_from_fixed_port(const std::string& netns, const std::string& host, int port) {
  static const std::string script =
      write_script("udp_fixed.py",
                   "import socket,sys\n"
                   "s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM);s.settimeout(1.5)\n"
                   "s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\n"
                   "s.bind(('0.0.0.0',40000));s.connect((sys.argv[1],int(sys.argv[2])))\n"
                   "try:\n"
                   "  s.send(b'x');print(s.recv(200).decode())\n"
                   "except OSError: pass\n");
  auto out = sh("nsenter --net=" + netns + " timeout 3 python3 " + script + " " + host + " " +
                std::to_string(port) + " 2>/dev/null");
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

}  // namespace

TEST_CASE("portmap: a UDP port published again reaches the new container (stale flows forgotten)") {
  auto out = make_outside({"10.83.0.0/24"});
  auto conf = with_ports(bridge_conf("flows", "10.83.0.0/24"), {mapping(5353, 53, "udp")});
  auto c1 = make_netns("c1");
  auto r1 = cni("ADD", c1, "c1", conf);
  INFO(r1.out << r1.err);
  REQUIRE(r1.exit_code == 0);
  serve(c1, "udp", 53, "one");
  REQUIRE(send_from_fixed_port(out, kHost4, 5353) == "one " + kOutside4);

  // The first container goes; a second one publishes the same port. The client keeps its
  // source port, so without berth its datagrams would follow the old translation.
  REQUIRE(cni("DEL", c1, "c1", conf).exit_code == 0);
  auto c2 = make_netns("c2");
  auto r2 = cni("ADD", c2, "c2", conf);
  INFO(r2.out << r2.err);
  REQUIRE(r2.exit_code == 0);
  REQUIRE(result_addr(r2) != result_addr(r1));
  serve(c2, "udp", 53, "two");
  CHECK(send_from_fixed_port(out, kHost4, 5353) == "two " + kOutside4);
}
