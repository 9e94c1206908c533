// The container record: JSON round trip, the store on disk, locks.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "runtime/container/state.h"
#include "runtime/container/store.h"
#include "tests/unit/temp_dir.h"

using namespace berth;
using namespace berth::runtime;
using berth::test::TempDir;

namespace {

Container sample() {
  Container c;
  c.id = std::string(32, 'a') + std::string(32, 'b');
  c.name = "web";
  c.created = "2024-05-01T12:00:00.000000001Z";
  c.image_dir = "/var/lib/berth/images/busybox";
  c.config.image = "busybox:latest";
  c.config.cmd = {"httpd", "-f", "-p", "80"};
  c.config.env = {"PATH=/bin", "A=b"};
  c.config.network = "mynet";
  net::PortMapping p;
  p.host_port = 8080;
  p.container_port = 80;
  p.host_ip = "127.0.0.1";
  c.config.ports = {p};
  c.config.volumes = {{"/srv", "/www", true}};
  c.config.limits = {64 << 20, 500'000'000, 20};
  c.config.restart = {RestartPolicy::Kind::kOnFailure, 3};
  c.config.auto_remove = true;
  c.state.status = Status::kRunning;
  c.state.pid = 4242;
  c.state.pid_start = 99;
  c.state.monitor_pid = 4241;
  c.state.exit_code = 137;
  c.state.oom_killed = true;
  c.state.started_at = "2024-05-01T12:00:01Z";
  c.state.restart_count = 2;
  c.state.manually_stopped = true;
  c.state.netns = "/var/lib/berth/netns/x";
  NetAttachment a;
  a.network = "mynet";
  a.ifname = "eth0";
  a.ip = "10.89.0.2";
  a.prefix_len = 24;
  a.gateway = "10.89.0.1";
  a.mac = "02:42:0a:59:00:02";
  a.aliases = {"web", "www"};
  a.ports = {p};
  c.state.networks = {a};
  return c;
}

}  // namespace

TEST_CASE("a container record survives JSON unchanged", "[runtime][state]") {
  Container c = sample();
  nlohmann::json j = c;
  CHECK(j["State"]["Status"] == "running");
  CHECK(j["Config"]["RestartPolicy"]["Name"] == "on-failure");
  Container back = j.get<Container>();
  CHECK(back == c);
  CHECK(nlohmann::json::parse(j.dump()).get<Container>() == c);
  // Left its own network with `network disconnect`: kept; a record without it has not.
  c.own_network_detached = true;
  CHECK(nlohmann::json(c).get<Container>() == c);
  j.erase("OwnNetworkDetached");
  CHECK_FALSE(j.get<Container>().own_network_detached);
}

TEST_CASE("status names", "[runtime][state]") {
  for (auto s : {Status::kCreated, Status::kRunning, Status::kPaused, Status::kRestarting,
                 Status::kExited, Status::kDead, Status::kRemoving})
    CHECK(parse_status(to_string(s)) == s);
  CHECK(to_string(Status::kExited) == "exited");
  CHECK_FALSE(parse_status("sleeping"));
  CHECK(is_active(Status::kRestarting));
  CHECK_FALSE(is_active(Status::kExited));
}

TEST_CASE("the store saves atomically, lists, resolves and reports missing containers",
          "[runtime][state]") {
  TempDir tmp;
  const std::string& root = tmp.path;
  Store store(root);
  REQUIRE(store.init());
  Container c = sample();
  REQUIRE(::mkdir(store.dir(c.id).c_str(), 0700) == 0);
  REQUIRE(store.save(c));
  auto back = store.load(c.id);
  REQUIRE(back);
  CHECK(*back == c);
  // No temporary file is left next to the record.
  CHECK(access((store.dir(c.id) + "/state.json.tmp." + std::to_string(getpid())).c_str(), F_OK) !=
        0);
  auto list = store.list();
  REQUIRE(list);
  REQUIRE(list->size() == 1);
  CHECK(*store.resolve("web") == c.id);
  CHECK(*store.resolve("aaaa") == c.id);
  auto missing = store.load(std::string(64, 'f'));
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == Code::kUnknownContainer);
  // A corrupt record is an error, not a crash, and list() skips it.
  std::ofstream(store.dir(c.id) + "/state.json") << "{not json";
  CHECK(store.load(c.id).error().code == Code::kDecode);
  CHECK(store.list()->empty());
}

TEST_CASE("a container lock excludes a second holder until released", "[runtime][state]") {
  TempDir tmp;
  const std::string& root = tmp.path;
  std::string path = root + "/lock";
  auto first = FileLock::acquire(path, 100);
  REQUIRE(first);
  auto second = FileLock::acquire(path, 50);
  REQUIRE_FALSE(second);
  CHECK(second.error().code == Code::kTryAgainLater);
  *first = FileLock();
  CHECK(FileLock::acquire(path, 50));
}
