// Network lifecycle through Networks: create, list, inspect, remove, prune; the refusals
// (overlap, duplicate name, active endpoints, the default network); nothing left behind.
#include <sys/wait.h>
#include <unistd.h>

#include <set>

#include <catch2/catch.hpp>

#include "runtime/network/network.h"
#include "tests/netns/runtime_net_helpers.h"

using namespace berth;
using namespace berth::test;
using namespace berth::runtime::net;

namespace {

CreateOptions named(const std::string& name, std::vector<std::string> subnets = {}) {
  CreateOptions o;
  o.name = name;
  o.subnets = std::move(subnets);
  return o;
}

}  // namespace

TEST_CASE("create, list, inspect and remove a network") {
  auto paths = net_paths();
  Networks nets(paths);
  REQUIRE(nets.ensure_default());
  auto o = named("web", {"10.60.0.0/16"});
  o.gateways = {"10.60.0.254"};
  o.ip_ranges = {"10.60.5.0/24"};
  auto info = nets.create(o);
  INFO((info ? "" : info.error().what()));
  REQUIRE(info);
  CHECK(info->bridge == "br-" + info->id.substr(0, 12));
  CHECK(info->gateways[0].str() == "10.60.0.254");
  CHECK(exists(paths.config_dir + "/web.conflist"));

  auto all = nets.list();
  REQUIRE(all);
  REQUIRE(all->size() == 2);
  CHECK((*all)[0].name == "bridge");
  CHECK((*all)[1].name == "web");

  CHECK(nets.inspect("web")->id == info->id);
  CHECK(nets.inspect(info->id)->name == "web");
  CHECK(nets.inspect(info->id.substr(0, 6))->name == "web");
  CHECK(nets.inspect("nope").error().msg.find("no such network") != std::string::npos);

  // Addresses come from the --ip-range only.
  auto ns = make_netns("c1");
  auto a = nets.attach("c1", ns, "web", {});
  REQUIRE(a);
  CHECK(a->addresses[0].str() == "10.60.5.1/16");
  CHECK(a->gateways[0].str() == "10.60.0.254");
  REQUIRE(nets.detach("c1", ns, "web", "eth0"));

  auto rm = nets.remove("web");
  INFO((rm ? "" : rm.error().what()));
  REQUIRE(rm);
  CHECK_FALSE(exists(paths.config_dir + "/web.conflist"));
  CHECK(nets.list()->size() == 1);
  CHECK_FALSE(nets.remove("web"));
}

TEST_CASE("create refuses overlaps, duplicates, reserved names and bad input") {
  auto paths = net_paths();
  Networks nets(paths);
  REQUIRE(nets.create(named("one", {"10.61.0.0/16"})));
  auto overlap = nets.create(named("two", {"10.61.128.0/17"}));
  REQUIRE_FALSE(overlap);
  CHECK(overlap.error().code == Code::kInvalidConfig);
  CHECK(overlap.error().msg.find("overlaps network `one`") != std::string::npos);
  CHECK(nets.create(named("one", {"10.62.0.0/16"})).error().msg.find("already exists") !=
        std::string::npos);
  CHECK(nets.create(named("bridge")).error().msg.find("reserved") != std::string::npos);
  CHECK(nets.create(named("host")).error().code == Code::kInvalidConfig);
  CHECK(nets.create(named("bad/name")).error().code == Code::kInvalidConfig);
  auto drv = named("three");
  drv.driver = "macvlan";
  CHECK(nets.create(drv).error().msg.find("unsupported network driver") != std::string::npos);
  // Nothing was written for the refused ones.
  CHECK(nets.list()->size() == 1);
}

TEST_CASE("networks without --subnet get distinct pool subnets, also when created concurrently") {
  auto paths = net_paths();
  // Eight processes create at once; the networks lock keeps their subnets apart.
  std::vector<pid_t> kids;
  for (int i = 0; i < 8; ++i) {
    pid_t pid = fork();
    if (pid == 0) {
      Networks nets(paths);
      _exit(nets.create(named("n" + std::to_string(i))) ? 0 : 1);
    }
    kids.push_back(pid);
  }
  for (pid_t pid : kids) {
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 0));
  }
  Networks nets(paths);
  auto all = nets.list();
  REQUIRE(all->size() == 8);
  std::set<std::string> subnets;
  for (const auto& n : *all) subnets.insert(n.subnets.at(0).str());
  CHECK(subnets.size() == 8);
  CHECK(subnets.count("172.17.0.0/16"));
  CHECK(subnets.count("172.24.0.0/16"));
}

TEST_CASE("IPv6 on request: a ULA subnet and containers get both families") {
  auto paths = net_paths();
  Networks nets(paths);
  auto o = named("dual", {"10.63.0.0/24"});
  o.ipv6 = true;
  auto info = nets.create(o);
  REQUIRE(info);
  REQUIRE(info->subnets.size() == 2);
  CHECK(info->subnets[1].str().rfind("fd", 0) == 0);
  auto ns = make_netns("c1");
  auto a = nets.attach("c1", ns, "dual", {});
  INFO((a ? "" : a.error().what()));
  REQUIRE(a);
  REQUIRE(a->addresses.size() == 2);
  CHECK(info->subnets[1].contains(a->addresses[1].addr));
}

TEST_CASE("rm refuses while containers are attached, then deletes the bridge and the leases") {
  auto paths = net_paths();
  Networks nets(paths);
  auto info = nets.create(named("busy", {"10.64.0.0/24"}));
  REQUIRE(info);
  auto ns1 = make_netns("c1");
  auto ns2 = make_netns("c2");
  AttachOptions o1, o2;
  o1.container_name = "web1";
  o2.container_name = "web2";
  REQUIRE(nets.attach("c1", ns1, "busy", o1));
  REQUIRE(nets.attach("c2", ns2, "busy", o2));
  REQUIRE(link_exists(info->bridge));

  auto refused = nets.remove("busy");
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == Code::kInvalidConfig);
  CHECK(refused.error().msg == "network busy has active endpoints: web1, web2");
  CHECK(exists(paths.config_dir + "/busy.conflist"));
  CHECK(nets.prune()->empty());

  REQUIRE(nets.detach("c1", ns1, "busy", "eth0"));
  REQUIRE(nets.detach("c2", ns2, "busy", "eth0"));
  auto rm = nets.remove(info->id.substr(0, 12));
  INFO((rm ? "" : rm.error().what()));
  REQUIRE(rm);
  CHECK_FALSE(link_exists(info->bridge));
  CHECK_FALSE(exists(paths.ipam_data_dir + "/busy"));
  CHECK(veths().empty());
}

TEST_CASE("rm releases leases a lost cache left behind (GC), prune keeps the default") {
  auto paths = net_paths();
  Networks nets(paths);
  REQUIRE(nets.ensure_default());
  auto info = nets.create(named("leaky", {"10.65.0.0/24"}));
  REQUIRE(info);
  REQUIRE(nets.create(named("idle", {"10.66.0.0/24"})));
  auto ns = make_netns("c1");
  REQUIRE(nets.attach("c1", ns, "leaky", {}));
  delete_netns(ns);
  // The runtime lost its record (a crash, a wiped cache): only GC can release the lease.
  sh("rm -f " + cache_file(paths, "leaky", "c1"));
  REQUIRE(exists(paths.ipam_data_dir + "/leaky"));
  auto pruned = nets.prune();
  REQUIRE(pruned);
  CHECK(*pruned == std::vector<std::string>{"idle", "leaky"});
  CHECK_FALSE(exists(paths.ipam_data_dir + "/leaky"));
  CHECK_FALSE(link_exists(info->bridge));
  REQUIRE(nets.list()->size() == 1);
  CHECK(nets.list()->front().name == "bridge");
  CHECK(nets.remove("bridge").error().msg.find("default network") != std::string::npos);
}
