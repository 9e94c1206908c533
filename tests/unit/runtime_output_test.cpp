// What users read: /etc files, times, ps columns, port lines, --format, the log format.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "runtime/container/clock.h"
#include "runtime/container/etc_files.h"
#include "runtime/container/inspect.h"
#include "runtime/container/log_file.h"

using namespace berth;
using namespace berth::runtime;

namespace {

Container running_web() {
  Container c;
  c.id = std::string(64, 'c');
  c.name = "web";
  c.config.image = "busybox:latest";
  c.config.cmd = {"sh", "-c", "mkdir -p /www && exec httpd -f -p 80 -h /www"};
  c.config.exposed = {"80/tcp"};
  c.state.status = Status::kRunning;
  c.state.started_at = "2024-05-01T12:00:00Z";
  NetAttachment a;
  a.network = "bridge";
  a.ifname = "eth0";
  a.ip = "172.18.0.2";
  a.prefix_len = 16;
  a.gateway = "172.18.0.1";
  a.mac = "02:42:ac:12:00:02";
  net::PortMapping p;
  p.host_port = 8080;
  p.container_port = 80;
  a.ports = {p};
  p.host_port = 5353;
  p.container_port = 53;
  p.protocol = "udp";
  p.host_ip = "127.0.0.1";
  a.ports.push_back(p);
  c.state.networks = {a};
  return c;
}

}  // namespace

TEST_CASE("hosts file: localhost, then the container's addresses with its names",
          "[runtime][output]") {
  NetAttachment a;
  a.ip = "10.0.0.5";
  a.ipv6 = "fd00::5";
  a.aliases = {"web", "www"};
  std::string h = hosts_content("0123456789ab", "web", {a});
  CHECK(h.starts_with("127.0.0.1\tlocalhost\n"));
  CHECK(h.find("10.0.0.5\t0123456789ab web www\n") != std::string::npos);
  CHECK(h.find("fd00::5\t0123456789ab web www\n") != std::string::npos);
  CHECK(hosts_content("h", "", {}).find("\th\n") == std::string::npos);
}

TEST_CASE("resolv.conf drops loopback nameservers unless on the host network",
          "[runtime][output]") {
  std::string host =
      "# comment\nnameserver 127.0.0.53\nnameserver 10.1.1.1\nnameserver ::1\nsearch lan\n";
  std::string c = resolv_conf_content(host, false);
  CHECK(c == "# comment\nnameserver 10.1.1.1\nsearch lan\n");
  CHECK(resolv_conf_content(host, true) == host);
}

TEST_CASE("times: RFC 3339 both ways and Docker's human durations", "[runtime][output]") {
  std::string now = now_rfc3339();
  CHECK(now.size() == 30);
  CHECK(now.back() == 'Z');
  auto t = parse_rfc3339(now);
  REQUIRE(t);
  CHECK(std::abs(*t - now_seconds()) < 5);
  CHECK(*parse_rfc3339("1970-01-01T00:01:00.5Z") == Approx(60.5));
  CHECK_FALSE(parse_rfc3339(""));
  CHECK_FALSE(parse_rfc3339("yesterday"));
  CHECK(human_duration(0.2) == "Less than a second");
  CHECK(human_duration(1) == "1 second");
  CHECK(human_duration(42) == "42 seconds");
  CHECK(human_duration(90) == "About a minute");
  CHECK(human_duration(600) == "10 minutes");
  CHECK(human_duration(3700) == "About an hour");
  CHECK(human_duration(5 * 3600) == "5 hours");
  CHECK(human_duration(3 * 86400) == "3 days");
}

TEST_CASE("ps columns and port lines", "[runtime][output]") {
  Container c = running_web();
  double started = *parse_rfc3339(c.state.started_at);
  CHECK(status_text(c, started + 125) == "Up 2 minutes");
  CHECK(ports_text(c) == "0.0.0.0:8080->80/tcp, 127.0.0.1:5353->53/udp");
  CHECK(command_text(c) == "\"sh -c mkdir -p /www…\"");
  CHECK(port_lines(c, "") ==
        std::vector<std::string>{"80/tcp -> 0.0.0.0:8080", "53/udp -> 127.0.0.1:5353"});
  CHECK(port_lines(c, "80") == std::vector<std::string>{"0.0.0.0:8080"});
  CHECK(port_lines(c, "53/udp") == std::vector<std::string>{"127.0.0.1:5353"});
  CHECK(port_lines(c, "81").empty());
  c.state.status = Status::kExited;
  c.state.exit_code = 3;
  c.state.finished_at = "2024-05-01T12:00:10Z";
  CHECK(status_text(c, started + 15) == "Exited (3) 5 seconds ago");
  CHECK(ports_text(c).empty());
  c.state.status = Status::kCreated;
  CHECK(status_text(c, started) == "Created");
}

TEST_CASE("inspect JSON has Docker's network fields", "[runtime][output]") {
  auto j = inspect_json(running_web(), std::nullopt);
  CHECK(j["Name"] == "/web");
  CHECK(j["State"]["Status"] == "running");
  CHECK(j["State"]["Running"] == true);
  const auto& ns = j["NetworkSettings"];
  CHECK(ns["IPAddress"] == "172.18.0.2");
  CHECK(ns["Networks"]["bridge"]["IPAddress"] == "172.18.0.2");
  CHECK(ns["Networks"]["bridge"]["Gateway"] == "172.18.0.1");
  CHECK(ns["Networks"]["bridge"]["MacAddress"] == "02:42:ac:12:00:02");
  CHECK(ns["Ports"]["80/tcp"][0]["HostPort"] == "8080");
  CHECK(ns["Ports"]["80/tcp"][0]["HostIp"] == "0.0.0.0");
  CHECK(j["Path"] == "sh");
  CHECK(j["Args"].size() == 2);
}

TEST_CASE("the format option renders fields and JSON and literal text", "[runtime][output]") {
  nlohmann::json j = {{"State", {{"Status", "running"}, {"Pid", 42}}}, {"Name", "/web"}};
  CHECK(*render_format("{{.State.Status}}", j) == "running");
  CHECK(*render_format("pid={{ .State.Pid }} name={{.Name}}", j) == "pid=42 name=/web");
  CHECK(*render_format("{{json .State}}", j) == R"({"Pid":42,"Status":"running"})");
  CHECK(*render_format("{{.Nope.Deeper}}", j) == "<no value>");
  CHECK_FALSE(render_format("{{.State", j));
  CHECK_FALSE(render_format("{{range .X}}", j));
}

TEST_CASE("the log is Docker's json-file format, line by line", "[runtime][output]") {
  char tmpl[] = "/tmp/berth-log-XXXXXX";
  int fd = mkstemp(tmpl);
  REQUIRE(fd >= 0);
  ::close(fd);
  {
    auto w = LogWriter::open(tmpl);
    REQUIRE(w);
    w->write(0, "hello\nwor");
    w->write(1, "oops\n");
    w->write(0, "ld\nno newline");
    w->flush();
  }
  std::ifstream in(tmpl);
  std::vector<LogEntry> entries;
  for (std::string line; std::getline(in, line);) {
    auto e = parse_log_line(line);
    REQUIRE(e);
    entries.push_back(*e);
  }
  ::unlink(tmpl);
  REQUIRE(entries.size() == 4);
  CHECK(entries[0].log == "hello\n");
  CHECK(entries[0].stream == "stdout");
  CHECK(entries[1].log == "oops\n");
  CHECK(entries[1].stream == "stderr");
  CHECK(entries[2].log == "world\n");
  CHECK(entries[3].log == "no newline");
  CHECK(parse_rfc3339(entries[0].time));
  CHECK_FALSE(parse_log_line("not json"));
  CHECK(format_log_line({"stdout", "t", "\xff\n"}).find("log") !=
        std::string::npos);  // not UTF-8: no throw
}
