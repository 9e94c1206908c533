// `berth net diagnose`: real containers, each thing on the path broken on purpose, and
// the cause line must name exactly that; a healthy path is all ok with exit 0.
#include <catch2/catch.hpp>

#include "tests/netns/runtime_helpers.h"

using namespace berth::test;

namespace {

std::string netns_of(const Berth& berth, const std::string& name) {
  return berth.inspect(name)["NetworkSettings"]["SandboxKey"];
}

std::string ip_of(const Berth& berth, const std::string& name) {
  return berth.ok("inspect -f '{{.NetworkSettings.IPAddress}}' " + name);
}

// Waits (without a deadline of its own: ctest's timeout is the limit) until something
// listens on TCP `port` inside the container, so a test never races the server's start.
void wait_listening(const Berth& berth, const std::string& name, int port) {
  sh_in(netns_of(berth, name),
        "until ss -Htln sport = :" + std::to_string(port) + " | grep -q .; do sleep 0.05; done");
}

// The host end of the container's eth0, found through the veth's peer index.
std::string host_veth_of(const Berth& berth, const std::string& name) {
  std::string line = sh_in(netns_of(berth, name), "ip -o link show eth0");
  auto at = line.find("@if");
  REQUIRE(at != std::string::npos);
  std::string index = line.substr(at + 3, line.find(':', at) - at - 3);
  return Berth::trim(
      sh("ip -o link | awk -F': ' '$1 == " + index + " { print $2 }' | cut -d@ -f1"));
}

// The last line of the report: "cause: ..." or "ok: ...".
std::string last_line(const std::string& out) {
  std::string s = Berth::trim(out);
  auto nl = s.rfind('\n');
  return nl == std::string::npos ? s : s.substr(nl + 1);
}

// Runs the diagnosis, expects a cause (exit 1) and returns the cause line.
std::string cause_of(const Berth& berth, const std::string& args) {
  auto r = berth("net diagnose " + args);
  INFO("berth net diagnose " << args << "\n" << r.out << r.err);
  CHECK(r.rc == 1);
  return last_line(r.out);
}

constexpr const char* kWeb = "run -d --name web -p 8080:80 busybox httpd -f -p 80";

}  // namespace

TEST_CASE("net diagnose finds a healthy path ok and exits 0", "[runtime][diagnose]") {
  Berth berth;
  berth.ok(kWeb);
  berth.ok("run -d --name client busybox sleep 1000");
  wait_listening(berth, "web", 80);
  auto r = berth("net diagnose client --to web:80");
  INFO(r.out << r.err);
  CHECK(r.rc == 0);
  CHECK(last_line(r.out) ==
        "ok: the path from container client (network bridge) to container web (" +
            ip_of(berth, "web") + ":80/tcp) is open");
  CHECK(r.out.find("problem") == std::string::npos);

  auto j = nlohmann::json::parse(berth.ok("network diagnose client --to web:80 --json"));
  CHECK(j["ok"] == true);
  REQUIRE(j["hops"].size() >= 5);
  for (const auto& hop : j["hops"]) CHECK(hop["verdict"] != "problem");
  CHECK(j["hops"].back()["hop"] == "connection");
  CHECK(j["hops"].back()["verdict"] == "ok");

  auto published = berth("net diagnose web --published 8080");
  INFO(published.out << published.err);
  CHECK(published.rc == 0);
  CHECK(published.out.find("points at " + ip_of(berth, "web") + ":80") != std::string::npos);
  berth.ok("rm -f web client");
}

TEST_CASE("net diagnose names a container link that is down", "[runtime][diagnose]") {
  Berth berth;
  berth.ok(kWeb);
  berth.ok("run -d --name client busybox sleep 1000");
  sh_in(netns_of(berth, "web"), "ip link set eth0 down");
  CHECK(cause_of(berth, "client --to web:80") == "cause: eth0 in container web is down");
  CHECK(cause_of(berth, "web") == "cause: eth0 in container web is down");
  berth.ok("rm -f web client");
}

TEST_CASE("net diagnose names a veth that left its bridge", "[runtime][diagnose]") {
  Berth berth;
  berth.ok(kWeb);
  berth.ok("run -d --name client busybox sleep 1000");
  std::string veth = host_veth_of(berth, "web");
  REQUIRE(veth.starts_with("veth"));
  sh("ip link set " + veth + " nomaster");
  CHECK(cause_of(berth, "client --to web:80") ==
        "cause: " + veth + " is not a port of bridge berth0");
  berth.ok("rm -f web client");
}

TEST_CASE("net diagnose names isolation between two networks", "[runtime][diagnose]") {
  Berth berth;
  berth.ok("network create a");
  berth.ok("network create b");
  berth.ok("run -d --name srv --net b busybox nc -ll -p 7000 -e echo hi");
  berth.ok("run -d --name cli --net a busybox sleep 1000");
  wait_listening(berth, "srv", 7000);
  CHECK(cause_of(berth, "cli --to srv:7000") ==
        "cause: dropped by isolation between networks a and b");
  // The same when the target is given by its address.
  CHECK(cause_of(berth, "cli --to " + ip_of(berth, "srv") + ":7000") ==
        "cause: dropped by isolation between networks a and b");
  berth.ok("rm -f srv cli");
  berth.ok("network rm a b");
}

TEST_CASE("net diagnose names icc off on a network", "[runtime][diagnose]") {
  Berth berth;
  berth.ok("network create -o icc=false quiet");
  berth.ok("run -d --name srv --net quiet busybox nc -ll -p 7000 -e echo hi");
  berth.ok("run -d --name cli --net quiet busybox sleep 1000");
  wait_listening(berth, "srv", 7000);
  CHECK(cause_of(berth, "cli --to srv:7000") ==
        "cause: icc is off on network quiet: members cannot reach each other");
  berth.ok("rm -f srv cli");
  berth.ok("network rm quiet");
}

TEST_CASE("net diagnose names a port nothing listens on", "[runtime][diagnose]") {
  Berth berth;
  berth.ok("run -d --name web -p 8080:80 busybox sleep 1000");
  berth.ok("run -d --name client busybox sleep 1000");
  CHECK(cause_of(berth, "client --to web:80") ==
        "cause: nothing listens on 80/tcp in container web");
  CHECK(cause_of(berth, "web --published 8080") ==
        "cause: nothing listens on 80/tcp in container web");
  berth.ok("rm -f web client");
}

TEST_CASE("net diagnose names a missing or stale DNAT map entry", "[runtime][diagnose]") {
  Berth berth;
  berth.ok(kWeb);
  wait_listening(berth, "web", 80);
  std::string ip = ip_of(berth, "web");
  sh("nft delete element inet berth ports4_any '{ tcp . 8080 }'");
  CHECK(cause_of(berth, "web --published 8080") ==
        "cause: published 8080/tcp of container web has no DNAT entry");
  // An element pointing at an address the container no longer has.
  std::string stale = ip.substr(0, ip.rfind('.')) + ".250";
  sh("nft add element inet berth ports4_any '{ tcp . 8080 : " + stale + " . 80 }'");
  CHECK(cause_of(berth, "web --published 8080") ==
        "cause: published 8080/tcp points at " + stale + ":80 but web's address is " + ip);
  CHECK(cause_of(berth, "web --published 9090") ==
        "cause: container web does not publish 9090/tcp");
  berth.ok("rm -f web");
}

TEST_CASE("net diagnose names ip_forward off and does not connect outside", "[runtime][diagnose]") {
  Berth berth;
  berth.ok("run -d --name web busybox sleep 1000");
  sh("sysctl -qw net.ipv4.ip_forward=0");
  auto r = berth("net diagnose web --to 192.0.2.1:80");
  INFO(r.out << r.err);
  CHECK(r.rc == 1);
  CHECK(last_line(r.out) == "cause: ip_forward is off on the host");
  CHECK(r.out.find("not attempted: 192.0.2.1 is outside this host") != std::string::npos);
  sh("sysctl -qw net.ipv4.ip_forward=1");
  CHECK(berth("net diagnose web --to 192.0.2.1:80").rc == 0);
  berth.ok("rm -f web");
}

TEST_CASE("net diagnose usage errors exit 125 and a stopped container is a cause",
          "[runtime][diagnose]") {
  Berth berth;
  berth.ok("run -d --name web -p 8080:80 busybox sleep 1000");
  CHECK(berth("net diagnose web --to web:80 --published 8080").rc == 125);
  CHECK(berth("net diagnose nosuch").rc == 125);
  CHECK(berth("net diagnose web --to web:99999").rc == 125);
  CHECK(berth("net diagnose web --published 80/icmp").rc == 125);
  CHECK(berth("net diagnose").rc == 125);
  berth.ok("stop -t 1 web");
  CHECK(cause_of(berth, "web --published 8080") == "cause: container web is not running");
  berth.ok("rm -f web");
}
