// The security pass of issue 8 for the runtime's own stores, unit level (the plugins' side
// and the helpers: security_names_test.cpp, security_helpers.h): runtime names refused,
// a container directory planted as a symlink never followed, private modes under umask 000.
// Built only with the runtime (BERTH_WITH_RUNTIME).
#include "tests/unit/security_helpers.h"

#ifdef BERTH_WITH_RUNTIME
#include "runtime/container/id.h"
#include "runtime/container/lock.h"
#include "runtime/container/parse.h"
#include "runtime/container/store.h"
#include "runtime/image/ref.h"
#include "runtime/image/store.h"
#include "runtime/network/files.h"
#include "runtime/network/lock.h"


using namespace berth;
using namespace berth::test::security;

TEST_CASE("security: runtime names: containers, images, volumes, hostnames, aliases, --root") {
  using namespace berth::runtime;
  for (const auto& bad : hostile_names()) {
    INFO("name `" << show(bad) << "`");
    CHECK_FALSE(valid_name(bad));
    if (bad != "a/b") CHECK_FALSE(parse_image_ref(bad));  // "a/b" is an image name (my/app)
    auto host = validate_hostname(bad);
    REQUIRE_FALSE(host);
    CHECK(host.error().code == Code::kInvalidConfig);
    auto alias = validate_alias(bad);
    REQUIRE_FALSE(alias);
    CHECK(alias.error().code == Code::kInvalidConfig);
    CHECK(alias.error().what().find('\n') == std::string::npos);
    // As a volume name: never a directory outside <root>/volumes.
    if (!bad.empty() && bad[0] != '/') {
      auto v = parse_volume(bad + ":/data");
      CHECK_FALSE(v);
    }
  }
  for (const char* bad : {"..:/data", ".:/data", "-x:/data", "_x:/data", "a b:/data"}) {
    INFO("volume " << bad);
    auto v = parse_volume(bad);
    REQUIRE_FALSE(v);
    CHECK(v.error().code == Code::kInvalidConfig);
  }
  CHECK(parse_volume("cache.v1:/data"));
  CHECK(parse_volume("/srv/www:/www:ro"));
  CHECK_FALSE(parse_volume(std::string("/srv/a\nb:/www")));
  CHECK(parse_image_ref("my/app:1.0"));
  CHECK_FALSE(parse_image_ref("my/../app"));
  CHECK_FALSE(parse_image_ref("busybox:../x"));
  CHECK(valid_name("web-1.prod_x"));
  CHECK(validate_hostname("web1.example"));
  CHECK_FALSE(validate_hostname(std::string(65, 'h')));
  CHECK(validate_alias("db"));

  for (std::string bad : {std::string("/var/lib/../berth"), std::string("../berth"),
                          std::string("/var/lib/berth\n"), std::string("/var/lib/./berth"),
                          std::string("/var/lib/ber\0th", 15), std::string("/a,b"),
                          std::string("/a:b"), std::string(""), "/" + std::string(1100, 'r')}) {
    INFO("--root `" << show(bad) << "`");
    auto r = validate_root(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Code::kInvalidConfig);
  }
  CHECK(validate_root("/var/lib/berth"));
  CHECK(validate_root("relative/root"));
}

namespace {

runtime::Container sample_container(const std::string& id) {
  runtime::Container c;
  c.id = id;
  c.name = "victim";
  c.created = "2024-05-01T12:00:00.000000001Z";
  c.config.image = "busybox:latest";
  c.config.cmd = {"true"};
  return c;
}

}  // namespace

TEST_CASE("security: a container directory replaced by a symlink is never read, written or locked through") {
  using namespace berth::runtime;
  TempDir t;
  NoUmask no_umask;
  Store store(t.path + "/root");
  REQUIRE(store.init());
  const std::string id = std::string(64, 'c');
  const std::string victim = t.path + "/elsewhere";
  REQUIRE(::mkdir(store.dir(id).c_str(), 0700) == 0);
  REQUIRE(store.save(sample_container(id)));
  REQUIRE(store.load(id));
  // Someone moves the record away and leaves a symlink to it in the store.
  REQUIRE(::rename(store.dir(id).c_str(), victim.c_str()) == 0);
  REQUIRE(::symlink(victim.c_str(), store.dir(id).c_str()) == 0);
  const std::string before = tree_of(victim);

  auto load = store.load(id);
  REQUIRE_FALSE(load);
  CHECK(load.error().code == Code::kIo);
  CHECK(load.error().what().find("symlink") != std::string::npos);
  auto c = sample_container(id);
  c.name = "overwritten";
  CHECK_FALSE(store.save(c));
  CHECK_FALSE(store.lock(id));
  auto listed = store.list();
  REQUIRE(listed);
  CHECK(listed->empty());
  CHECK_FALSE(store.resolve(id.substr(0, 12)));
  CHECK(tree_of(victim) == before);
  CHECK_FALSE(exists(victim + "/lock"));

  // The same for the record and the lock inside a real container directory.
  const std::string id2 = std::string(64, 'd');
  REQUIRE(::mkdir(store.dir(id2).c_str(), 0700) == 0);
  REQUIRE(::symlink((victim + "/state.json").c_str(), (store.dir(id2) + "/state.json").c_str()) == 0);
  REQUIRE(::symlink((victim + "/lock").c_str(), (store.dir(id2) + "/lock").c_str()) == 0);
  CHECK_FALSE(store.load(id2));
  CHECK_FALSE(store.lock(id2));
  CHECK(tree_of(victim) == before);
  CHECK_FALSE(exists(victim + "/lock"));
}

TEST_CASE("security: the runtime's stores get private directories and files under umask 000") {
  using namespace berth::runtime;
  TempDir t;
  NoUmask no_umask;
  const std::string root = t.path + "/var/berth";
  Store store(root);
  REQUIRE(store.init());
  for (const char* d : {"/var", "/var/berth", "/var/berth/containers", "/var/berth/netns"})
    CHECK(mode_of(t.path + d) == 0700);
  const std::string id = std::string(64, 'e');
  REQUIRE(::mkdir(store.dir(id).c_str(), 0700) == 0);
  REQUIRE(store.save(sample_container(id)));
  CHECK(mode_of(store.dir(id) + "/state.json") == 0600);
  {
    auto l = store.lock(id);
    REQUIRE(l);
    CHECK(mode_of(store.dir(id) + "/lock") == 0600);
    auto names = store.lock_names();
    REQUIRE(names);
    CHECK(mode_of(root + "/containers.lock") == 0600);
  }
  // The network side: private state and cache, a readable CNI config directory.
  REQUIRE(net::make_dirs(root + "/cni/results", 0700));
  CHECK(mode_of(root + "/cni") == 0700);
  CHECK(mode_of(root + "/cni/results") == 0700);
  REQUIRE(net::make_dirs(t.path + "/etc/berth/net.d", 0755));
  CHECK(mode_of(t.path + "/etc") == 0755);
  CHECK(mode_of(t.path + "/etc/berth/net.d") == 0755);
  REQUIRE(net::write_file_atomic(t.path + "/etc/berth/net.d/n.conflist", "{}", 0644));
  CHECK(mode_of(t.path + "/etc/berth/net.d/n.conflist") == 0644);
  REQUIRE(net::write_file_atomic(root + "/cni/results/n-x-eth0", "{}", 0600, false));
  CHECK(mode_of(root + "/cni/results/n-x-eth0") == 0600);
  {
    auto l = net::FileLock::acquire(root + "/net/networks.lock", net::FileLock::Mode::kExclusive);
    REQUIRE(l);
    CHECK(mode_of(root + "/net") == 0700);
    CHECK(mode_of(root + "/net/networks.lock") == 0600);
  }
  // An image imported from a directory: the store's directories and its record.
  const std::string src = t.path + "/src";
  REQUIRE(::mkdir(src.c_str(), 0755) == 0);
  spit(src + "/hello", "hi");
  ImageStore images(root);
  auto img = images.import(src, *parse_image_ref("local/hello:1"));
  REQUIRE(img);
  CHECK(mode_of(root + "/images") == 0700);
  CHECK(mode_of(img->dir) == 0700);
  CHECK(mode_of(img->dir + "/image.json") == 0644);
  CHECK(mode_of(img->dir + "/rootfs") == 0755);
  CHECK(mode_of(root + "/images/.lock") == 0600);
}

#endif  // BERTH_WITH_RUNTIME
