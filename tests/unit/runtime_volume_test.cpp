// Named volumes below the CLI: names, who uses a volume, ls filters, sizes and JSON, and
// the store itself in a temporary root (modes, planted symlinks, in-use refusal, prune).
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>

#include "runtime/container/clock.h"
#include "runtime/container/parse.h"
#include "runtime/container/volumes.h"
#include "tests/unit/temp_dir.h"

using namespace berth;
using namespace berth::runtime;
using namespace berth::test;

namespace {

Container user(const std::string& id_char, const std::string& name, std::vector<Volume> volumes) {
  Container c;
  c.id = std::string(64, id_char[0]);
  c.name = name;
  c.created = "2024-05-01T12:00:00Z";
  c.config.image = "busybox:latest";
  c.config.volumes = std::move(volumes);
  return c;
}

void record(const Store& store, const Container& c) {
  REQUIRE(store.init());
  REQUIRE(::mkdir(store.dir(c.id).c_str(), 0700) == 0);
  REQUIRE(store.save(c));
}

std::string mode_of(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return "missing";
  char buf[8];
  std::snprintf(buf, sizeof buf, "%o", st.st_mode & 07777);
  return buf;
}

// What is really in a directory, sorted: a removed volume must leave no renamed tree.
std::vector<std::string> raw_entries(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> names(const std::vector<VolumeInfo>& all) {
  std::vector<std::string> out;
  for (const auto& v : all) out.push_back(v.name);
  return out;
}

}  // namespace

TEST_CASE("volume names: the rule of -v NAME", "[runtime][volume]") {
  for (const char* good : {"data", "a", "cache.v1", "x_y-z", "0abc"}) {
    INFO(good);
    CHECK(validate_volume_name(good));
  }
  for (const std::string& bad :
       std::vector<std::string>{"", ".", "..", "-x", "_x", ".hidden", "a/b", "/abs", "a b", "a:b",
                                "a\nb", std::string(256, 'v')}) {
    INFO(bad);
    auto r = validate_volume_name(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Code::kInvalidConfig);
    CHECK(r.error().what().find("invalid volume name") == 0);
  }
  CHECK(validate_volume_name(std::string(255, 'v')));
}

TEST_CASE("volume users: every container naming the volume, not host paths", "[runtime][volume]") {
  std::vector<Container> all = {
      user("a", "web", {{"data", "/d", false}, {"/srv", "/srv", true}}),
      user("b", "db", {{"/data", "/x", false}}),  // a host path, not the volume
      user("c", "backup", {{"other", "/o", false}, {"data", "/backup", true}}),
  };
  CHECK(volume_users(all, "data") ==
        std::vector<std::string>{"web (aaaaaaaaaaaa)", "backup (cccccccccccc)"});
  CHECK(volume_users(all, "other") == std::vector<std::string>{"backup (cccccccccccc)"});
  CHECK(volume_users(all, "unused").empty());
}

TEST_CASE("inspect's Mounts: binds and named volumes as Docker shows them", "[runtime][volume]") {
  auto c = user("a", "web", {{"data", "/d", false}, {"/srv/www", "/www", true}});
  auto m = mounts_json(c, "/r");
  REQUIRE(m.size() == 2);
  CHECK(m[0] == nlohmann::json{{"Type", "volume"},
                               {"Name", "data"},
                               {"Source", "/r/volumes/data/_data"},
                               {"Destination", "/d"},
                               {"Driver", "local"},
                               {"Mode", ""},
                               {"RW", true},
                               {"Propagation", ""}});
  CHECK(m[1] == nlohmann::json{{"Type", "bind"},
                               {"Source", "/srv/www"},
                               {"Destination", "/www"},
                               {"Mode", "ro"},
                               {"RW", false},
                               {"Propagation", "rprivate"}});
  CHECK(mounts_json(user("b", "bare", {}), "/r") == nlohmann::json::array());
}

TEST_CASE("volume ls filters", "[runtime][volume]") {
  VolumeInfo v{"web-data", "/r/volumes/web-data/_data", "2024-05-01T12:00:00Z"};
  VolumeFilter none;
  CHECK(volume_matches(none, v, true));
  CHECK(volume_matches(none, v, false));

  VolumeFilter dangling;
  REQUIRE(add_volume_filter(dangling, "dangling=true"));
  CHECK(volume_matches(dangling, v, false));
  CHECK_FALSE(volume_matches(dangling, v, true));
  VolumeFilter used;
  REQUIRE(add_volume_filter(used, "dangling=0"));
  CHECK(volume_matches(used, v, true));
  CHECK_FALSE(volume_matches(used, v, false));

  VolumeFilter name;
  REQUIRE(add_volume_filter(name, "name=nothing"));
  CHECK_FALSE(volume_matches(name, v, false));
  REQUIRE(add_volume_filter(name, "name=b-da"));  // any of several
  CHECK(volume_matches(name, v, false));

  VolumeFilter driver;
  REQUIRE(add_volume_filter(driver, "driver=local"));
  CHECK(volume_matches(driver, v, false));
  REQUIRE(add_volume_filter(driver, "driver=nfs"));
  CHECK_FALSE(volume_matches(driver, v, false));

  VolumeFilter f;
  for (const char* bad : {"dangling", "dangling=maybe", "label=x=y", "=x", "color=blue"}) {
    INFO(bad);
    auto r = add_volume_filter(f, bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().what().find("invalid filter") == 0);
  }
}

TEST_CASE("volume sizes times and JSON as Docker shows them", "[runtime][volume]") {
  CHECK(human_size_si(0) == "0B");
  CHECK(human_size_si(999) == "999B");
  CHECK(human_size_si(1500) == "1.5kB");
  CHECK(human_size_si(12'345'678) == "12.35MB");
  CHECK(human_size_si(3'000'000'000) == "3GB");
  CHECK(rfc3339_seconds(0) == "1970-01-01T00:00:00Z");
  CHECK(rfc3339_seconds(1714564800) == "2024-05-01T12:00:00Z");
  auto j = volume_json({"data", "/r/volumes/data/_data", "2024-05-01T12:00:00Z"});
  CHECK(j == nlohmann::json::parse(R"({"CreatedAt": "2024-05-01T12:00:00Z", "Driver": "local",
      "Labels": {}, "Mountpoint": "/r/volumes/data/_data", "Name": "data", "Options": {},
      "Scope": "local"})"));
}

TEST_CASE("volume store: create ls inspect rm with Docker's modes under any umask",
          "[runtime][volume]") {
  TempDir tmp;
  const std::string& root = tmp.path;
  Store store(root);
  mode_t old = ::umask(0);
  auto made = create_volume(store, "data");
  ::umask(077);
  auto anon = create_volume(store, "");
  ::umask(old);
  REQUIRE(made);
  REQUIRE(anon);
  CHECK(made->name == "data");
  CHECK(made->mountpoint == root + "/volumes/data/_data");
  CHECK(anon->name.size() == 64);
  CHECK(mode_of(root + "/volumes") == "700");
  CHECK(mode_of(root + "/volumes/data") == "700");
  CHECK(mode_of(root + "/volumes/data/_data") == "755");
  CHECK(mode_of(root + "/volumes/" + anon->name + "/_data") == "755");
  CHECK(create_volume(store, "data"));  // again: no error
  CHECK_FALSE(create_volume(store, "../escape"));
  CHECK(mode_of(root + "/escape") == "missing");

  // Not volumes: a half-made one, a stray file, a symlink to a directory that looks like one.
  REQUIRE(::mkdir((root + "/volumes/half").c_str(), 0700) == 0);
  spit(root + "/volumes/stray", "x");
  TempDir tmp_elsewhere;
  const std::string& elsewhere = tmp_elsewhere.path;
  REQUIRE(::mkdir((elsewhere + "/_data").c_str(), 0755) == 0);
  REQUIRE(::symlink(elsewhere.c_str(), (root + "/volumes/linked").c_str()) == 0);
  auto all = list_volumes(root);
  REQUIRE(all);
  std::vector<std::string> want = {"data", anon->name};
  std::sort(want.begin(), want.end());
  CHECK(names(*all) == want);
  auto gone = inspect_volume(root, "linked");
  REQUIRE_FALSE(gone);
  CHECK(gone.error().what() == "no such volume: `linked`");
  // -v linked:/x would have mounted the symlink's target: refused instead.
  CHECK_FALSE(ensure_volume(root, "linked"));
  CHECK_FALSE(remove_volume(store, "linked"));
  CHECK(mode_of(elsewhere + "/_data") == "755");

  REQUIRE(remove_volume(store, "data"));
  CHECK(mode_of(root + "/volumes/data") == "missing");
  std::vector<std::string> left = {anon->name, "half", "linked", "stray"};
  std::sort(left.begin(), left.end());
  CHECK(raw_entries(root + "/volumes") == left);
  auto again = remove_volume(store, "data");
  REQUIRE_FALSE(again);
  CHECK(again.error().code == Code::kUnknownContainer);
}

TEST_CASE("volume store: rm removes planted symlinks and never their targets",
          "[runtime][volume]") {
  TempDir tmp, tmp_outside;
  const std::string &root = tmp.path, &outside = tmp_outside.path;
  Store store(root);
  spit(outside + "/file", "precious");
  REQUIRE(::mkdir((outside + "/dir").c_str(), 0755) == 0);
  spit(outside + "/dir/f", "deep");
  auto v = create_volume(store, "trap");
  REQUIRE(v);
  std::string data = v->mountpoint;
  REQUIRE(::symlink((outside + "/file").c_str(), (data + "/link").c_str()) == 0);
  REQUIRE(::symlink((outside + "/dir").c_str(), (data + "/dirlink").c_str()) == 0);
  REQUIRE(::mkdir((data + "/sub").c_str(), 0755) == 0);
  REQUIRE(::symlink(outside.c_str(), (data + "/sub/up").c_str()) == 0);
  spit(data + "/sub/own", "mine");

  auto rm = remove_volume(store, "trap");
  // The targets first: a failed rm must not have touched them either.
  CHECK(slurp(outside + "/file") == "precious");
  CHECK(slurp(outside + "/dir/f") == "deep");
  CHECK(rm);
  CHECK(mode_of(root + "/volumes/trap") == "missing");
  CHECK(raw_entries(root + "/volumes").empty());
  auto left = list_volumes(root);
  REQUIRE(left);
  CHECK(left->empty());
}

TEST_CASE("volume store: rm refuses a volume a container names and prune skips it",
          "[runtime][volume]") {
  TempDir tmp;
  const std::string& root = tmp.path;
  Store store(root);
  for (const char* n : {"used", "loose", "other"}) REQUIRE(create_volume(store, n));
  spit(root + "/volumes/loose/_data/blob", std::string(1500, 'x'));
  record(store, user("a", "holder", {{"used", "/d", false}}));
  Container reader = user("b", "reader", {{"used", "/r", true}});
  reader.created = "2024-05-01T12:00:01Z";  // listed oldest first
  record(store, reader);

  auto r = remove_volume(store, "used");
  REQUIRE_FALSE(r);
  CHECK(r.error().code == Code::kInvalidConfig);
  CHECK(r.error().msg ==
        "volume `used` is in use by containers holder (aaaaaaaaaaaa), reader (bbbbbbbbbbbb)");

  auto report = prune_volumes(store);
  REQUIRE(report);
  CHECK(report->removed == std::vector<std::string>{"loose", "other"});
  CHECK(report->reclaimed == 1500);
  auto left = list_volumes(root);
  REQUIRE(left);
  CHECK(names(*left) == std::vector<std::string>{"used"});
  CHECK(raw_entries(root + "/volumes") == std::vector<std::string>{"used"});
}
