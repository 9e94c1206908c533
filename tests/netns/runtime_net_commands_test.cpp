// `berth network create|ls|inspect|rm|prune` through CLI11 as the berth binary wires them:
// what they print on stdout and their exit status.
#include <unistd.h>

#include <cstdio>

#include <catch2/catch.hpp>

#include "runtime/network/commands.h"
#include "tests/netns/runtime_net_helpers.h"

using namespace berth;
using namespace berth::test;
using namespace berth::runtime::net;
using nlohmann::json;

namespace {

struct CliRun {
  int code = 0;
  std::string out;
};

// Parses `berth network <args...>` and runs the verb, with stdout captured.
CliRun cli(const Paths& paths, std::vector<std::string> args) {
  CLI::App app{"berth"};
  auto* network = app.add_subcommand("network", "Manage networks");
  add_network_commands(*network, [paths] { return Networks(paths); });
  args.insert(args.begin(), "network");
  std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 pops from the back
  std::fflush(stdout);
  int saved = dup(1);
  FILE* tmp = std::tmpfile();
  dup2(fileno(tmp), 1);
  CliRun r;
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    r.code = app.exit(e);
  }
  std::fflush(stdout);
  dup2(saved, 1);
  close(saved);
  std::rewind(tmp);
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, tmp)) > 0) r.out.append(buf, n);
  std::fclose(tmp);
  return r;
}

}  // namespace

TEST_CASE("network verbs print what Docker's do") {
  auto paths = net_paths();
  auto created = cli(paths, {"create", "--subnet", "10.70.0.0/24", "--gateway", "10.70.0.254", "-o",
                             "icc=false", "--internal", "web"});
  REQUIRE(created.code == 0);
  REQUIRE(created.out.size() == 65);  // the full id and a newline
  std::string id = created.out.substr(0, 64);
  auto conf = read_json(paths.config_dir + "/web.conflist");
  CHECK(conf["plugins"][0]["icc"] == false);
  CHECK(conf["plugins"][0]["internal"] == true);

  auto ls = cli(paths, {"ls"});
  REQUIRE(ls.code == 0);
  CHECK(ls.out.rfind("NETWORK ID", 0) == 0);
  CHECK(ls.out.find(id.substr(0, 12) + "   web ") != std::string::npos);
  CHECK(ls.out.find(" bridge ") != std::string::npos);  // the default network appears
  auto quiet = cli(paths, {"ls", "-q"});
  CHECK(quiet.out.find(id.substr(0, 12) + "\n") != std::string::npos);
  CHECK(quiet.out.find("NETWORK") == std::string::npos);

  Networks nets(paths);
  auto ns = make_netns("c1");
  AttachOptions o;
  o.container_name = "app";
  auto a = nets.attach("c1", ns, "web", o);
  REQUIRE(a);
  auto inspect = cli(paths, {"inspect", "web"});
  REQUIRE(inspect.code == 0);
  auto j = json::parse(inspect.out);
  REQUIRE(j.size() == 1);
  CHECK(j[0]["Name"] == "web");
  CHECK(j[0]["Id"] == id);
  CHECK(j[0]["Driver"] == "bridge");
  CHECK(j[0]["Internal"] == true);
  CHECK(j[0]["IPAM"]["Config"] ==
        json::parse(R"([{"Subnet":"10.70.0.0/24","Gateway":"10.70.0.254"}])"));
  CHECK(j[0]["Options"]["com.docker.network.bridge.enable_icc"] == "false");
  CHECK(j[0]["Containers"]["c1"]["Name"] == "app");
  CHECK(j[0]["Containers"]["c1"]["IPv4Address"] == "10.70.0.1/24");
  CHECK(j[0]["Containers"]["c1"]["MacAddress"] == a->mac);

  auto busy = cli(paths, {"rm", "web"});
  CHECK(busy.code == 1);
  REQUIRE(nets.detach("c1", ns, "web", "eth0"));
  auto rm = cli(paths, {"rm", "web"});
  CHECK(rm.code == 0);
  CHECK(rm.out == "web\n");
  CHECK(cli(paths, {"inspect", "web"}).code == 1);
}

TEST_CASE("network verbs refuse bad input with exit status 1") {
  auto paths = net_paths();
  CHECK(cli(paths, {"create", "-o", "mtu=9000", "x"}).code == 1);
  CHECK(cli(paths, {"create", "-o", "icc=maybe", "x"}).code == 1);
  CHECK(cli(paths, {"create", "--subnet", "10.1.0.0/33", "x"}).code == 1);
  CHECK(cli(paths, {"create", "-d", "overlay", "x"}).code == 1);
  CHECK(cli(paths, {"create"}).code != 0);  // NAME is required
  CHECK(cli(paths, {"rm", "nope"}).code == 1);
  CHECK_FALSE(exists(paths.config_dir + "/x.conflist"));
}

TEST_CASE("network prune removes unused networks only") {
  auto paths = net_paths();
  REQUIRE(cli(paths, {"create", "a"}).code == 0);
  REQUIRE(cli(paths, {"create", "b"}).code == 0);
  Networks nets(paths);
  auto ns = make_netns("c1");
  REQUIRE(nets.attach("c1", ns, "b", {}));
  auto pruned = cli(paths, {"prune", "-f"});
  REQUIRE(pruned.code == 0);
  CHECK(pruned.out == "Deleted Networks:\na\n");
  auto left = cli(paths, {"ls", "-q"});
  CHECK(std::count(left.out.begin(), left.out.end(), '\n') == 2);  // bridge and b
}
