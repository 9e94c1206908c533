// --userns / --uidmap / --gidmap: parsing, validation, the auto allocation and the record.
#include <stdlib.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "runtime/container/config.h"
#include "runtime/container/state.h"
#include "runtime/container/userns_config.h"
#include "runtime/process/idmap.h"

using namespace berth;
using namespace berth::runtime;

namespace {

ContainerConfig parsed(const std::string& mode, std::vector<std::string> uids,
                       std::vector<std::string> gids, const std::string& net = "bridge") {
  ContainerConfig c;
  c.network = net;
  auto r = parse_userns_options(mode, uids, gids, c);
  INFO((r ? "" : r.error().what()));
  REQUIRE(r);
  return c;
}

std::string error_of(const std::string& mode, std::vector<std::string> uids,
                     std::vector<std::string> gids, const std::string& net = "bridge") {
  ContainerConfig c;
  c.network = net;
  auto r = parse_userns_options(mode, uids, gids, c);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Code::kInvalidConfig);
  return r.error().what();
}

Container with_maps(const std::string& uid, const std::string& gid) {
  Container c;
  c.config.userns = "auto";
  c.config.uid_map = {*parse_id_range(uid, "uid")};
  c.config.gid_map = {*parse_id_range(gid, "gid")};
  return c;
}

}  // namespace

TEST_CASE("id ranges parse as C:H:S and refuse the rest", "[runtime][userns]") {
  auto r = parse_id_range("0:100000:65536", "--uidmap");
  REQUIRE(r);
  CHECK(*r == IdRange{0, 100000, 65536});
  CHECK(to_string(*r) == "0:100000:65536");
  for (const char* bad : {"", "0", "0:1", "0:1:", "a:1:1", "0:-1:1", "0:1:1:1", "0:1:0",
                          "4294967295:0:1", "0:4294967000:1000", " 0:1:1"})
    CHECK_FALSE(parse_id_range(bad, "--uidmap"));
  CHECK(parse_id_range("0:4294967294:1", "--uidmap"));  // the last valid id
}

TEST_CASE("id maps must be disjoint on both sides and map root", "[runtime][userns]") {
  IdMap ok = {{0, 100000, 1000}, {1000, 200000, 10}};
  CHECK(validate_id_map(ok, "--uidmap"));
  CHECK(map_file_text(ok) == "0 100000 1000\n1000 200000 10\n");
  CHECK(host_id(ok, 1005) == 200005u);
  CHECK_FALSE(host_id(ok, 1010));
  CHECK_FALSE(validate_id_map({{0, 100000, 100}, {99, 300000, 1}}, "m"));
  CHECK_FALSE(validate_id_map({{0, 100000, 100}, {200, 100099, 1}}, "m"));
  CHECK_FALSE(validate_id_map({{1, 100000, 100}}, "m"));
  CHECK(overlaps_host(ok, 200009, 5));
  CHECK_FALSE(overlaps_host(ok, 200010, 5));
}

TEST_CASE("the options --userns and --uidmap/--gidmap become the config", "[runtime][userns]") {
  CHECK(parsed("", {}, {}).userns.empty());
  CHECK(parsed("host", {}, {}).userns.empty());
  CHECK(parsed("auto", {}, {}).userns == "auto");
  auto c = parsed("", {"0:100000:1000"}, {});
  CHECK(c.userns == "private");
  CHECK(c.gid_map == c.uid_map);  // gids as uids, as podman
  c = parsed("", {}, {"0:5000:10"});
  CHECK(c.uid_map == IdMap{{0, 5000, 10}});
  CHECK(error_of("bogus", {}, {}).find("invalid --userns") != std::string::npos);
  CHECK(error_of("auto", {"0:1:1"}, {}).find("conflicting") != std::string::npos);
  CHECK(error_of("auto", {}, {}, "host").find("cannot share") != std::string::npos);
  CHECK(error_of("", {"0:1:1"}, {}, "container:abc").find("cannot share") != std::string::npos);
  CHECK(error_of("", {"0:1:1"}, {"1:1:1"}).find("--gidmap") != std::string::npos);
  // Without a user namespace --net host stays fine.
  CHECK(parsed("host", {}, {}, "host").userns.empty());
}

TEST_CASE("auto takes the lowest block no container holds", "[runtime][userns]") {
  setenv("BERTH_SUBUID_FILE", "/nonexistent/subuid", 1);
  setenv("BERTH_SUBGID_FILE", "/nonexistent/subgid", 1);
  ContainerConfig cfg;
  cfg.userns = "auto";
  REQUIRE(allocate_userns(cfg, {}));
  CHECK(cfg.uid_map == IdMap{{0, 100000, 65536}});
  CHECK(cfg.gid_map == IdMap{{0, 100000, 65536}});
  std::vector<Container> all = {with_maps("0:100000:65536", "0:100000:65536"),
                                with_maps("0:231072:10", "0:231072:10")};  // in block 2
  REQUIRE(allocate_userns(cfg, all));
  CHECK(cfg.uid_map == IdMap{{0, 165536, 65536}});
  all.push_back(with_maps("0:165536:65536", "0:165536:65536"));
  REQUIRE(allocate_userns(cfg, all));
  CHECK(cfg.uid_map == IdMap{{0, 296608, 65536}});

  char path[] = "/tmp/berth-subid-XXXXXX";
  int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  ::close(fd);
  std::ofstream(path) << "alice:100000:65536\nberth:500000:70000\n";
  setenv("BERTH_SUBUID_FILE", path, 1);
  setenv("BERTH_SUBGID_FILE", path, 1);
  REQUIRE(allocate_userns(cfg, {}));
  CHECK(cfg.uid_map == IdMap{{0, 500000, 65536}});
  auto full = allocate_userns(cfg, {with_maps("0:500000:65536", "0:500000:65536")});
  REQUIRE_FALSE(full);
  CHECK(std::string(full.error().what()).find("no free range") != std::string::npos);
  ::unlink(path);
  unsetenv("BERTH_SUBUID_FILE");
  unsetenv("BERTH_SUBGID_FILE");
}

TEST_CASE("the user namespace round-trips through the record", "[runtime][userns]") {
  ContainerConfig c;
  c.userns = "private";
  c.uid_map = {{0, 100000, 1000}, {1000, 300000, 10}};
  c.gid_map = {{0, 400000, 2000}};
  nlohmann::json j = c;
  CHECK(j["UsernsMode"] == "private");
  CHECK(j["UidMap"] == nlohmann::json::array({"0:100000:1000", "1000:300000:10"}));
  CHECK(j.get<ContainerConfig>() == c);
  // A record without a user namespace has none of the keys (older records read the same).
  nlohmann::json plain = ContainerConfig{};
  CHECK_FALSE(plain.contains("UsernsMode"));
  CHECK(plain.get<ContainerConfig>().userns.empty());
}
