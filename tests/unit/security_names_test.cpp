// The security pass of issue 8, unit level. Every name a caller controls is refused
// before use when it could leave berth's directories (`..`, `/abs`, `a/b`, NUL,
// newline, 300 bytes), with the code README's error table promises; the lease store and
// the runtime's container store never follow a symlink planted in them; what the stores
// create has berth's modes (checked under umask 000, so the code's own modes are what is
// seen); no product code runs a shell, `ip`, `nft` or `iptables`.
#include "tests/unit/security_helpers.h"

using namespace berth;
using namespace berth::test::security;

TEST_CASE("security: container IDs, ifnames and network names that could leave a directory are refused") {
  for (const auto& bad : hostile_names()) {
    INFO("name `" << show(bad) << "`");
    auto id = cni::validate_container_id(bad);
    REQUIRE_FALSE(id);
    CHECK(id.error().code == Code::kInvalidEnv);
    auto ifname = cni::validate_ifname(bad);
    REQUIRE_FALSE(ifname);
    CHECK(ifname.error().code == Code::kInvalidEnv);
    auto net = cni::validate_network_name(bad);
    REQUIRE_FALSE(net);
    CHECK(net.error().code == Code::kInvalidConfig);
    // The message can be printed as it is: the bad bytes are escaped, never copied.
    for (const Error& e : {id.error(), ifname.error(), net.error()}) {
      CHECK(e.what().find('\0') == std::string::npos);
      CHECK(e.what().find('\n') == std::string::npos);
      CHECK(e.what().size() < 400);
    }
  }
  // What a runtime really sends still passes.
  CHECK(cni::validate_container_id(std::string(64, 'f')));
  CHECK(cni::validate_container_id("cnitool-20c1e0b8"));
  CHECK(cni::validate_ifname("eth0"));
  CHECK(cni::validate_ifname("net1.100"));
  CHECK(cni::validate_network_name("my-net_1.2"));
}

TEST_CASE("security: dataDir-like paths must be absolute and plain") {
  for (std::string bad : {std::string("relative/dir"), std::string("../x"), std::string("/a/../b"),
                          std::string("/a/./b"), std::string("/a/b/.."), std::string("/a/\0b", 5),
                          std::string("/a\nb"), std::string("/a\tb"), std::string(""),
                          "/" + std::string(1100, 'a')}) {
    INFO("path `" << show(bad) << "`");
    auto r = cni::validate_dir_path(bad, "ipam.dataDir");
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Code::kInvalidConfig);
    CHECK(r.error().msg.find("ipam.dataDir") != std::string::npos);
    CHECK(r.error().what().find('\0') == std::string::npos);
  }
  CHECK(cni::validate_dir_path("/var/lib/cni/networks", "ipam.dataDir"));
}

TEST_CASE("security: the dispatcher refuses hostile names from the environment and the JSON before any handler runs") {
  for (const char* command : {"ADD", "DEL", "CHECK"}) {
    for (const auto& bad : hostile_names()) {
      for (const char* key : {"CNI_CONTAINERID", "CNI_IFNAME"}) {
        // The environment cannot carry a NUL (execve would cut the name short there).
        if (bad.find('\0') != std::string::npos) continue;
        const std::string& env_bad = bad;
        auto env = env_for(command);
        env[key] = env_bad;
        INFO(command << " " << key << "=`" << show(env_bad) << "`");
        auto d = dispatch(env, config_named("net1"));
        CHECK(d.rc == 1);
        CHECK_FALSE(d.handler_ran);
        REQUIRE(d.out.is_object());
        CHECK(d.out["code"] == int(Code::kInvalidEnv));
      }
      INFO(command << " name=`" << show(bad) << "`");
      auto d = dispatch(env_for(command), config_named(bad));
      CHECK(d.rc == 1);
      CHECK_FALSE(d.handler_ran);
      REQUIRE(d.out.is_object());
      CHECK(d.out["code"] == int(Code::kInvalidConfig));
    }
  }
  // GC and STATUS have no container: the network name is still checked.
  auto gc = dispatch({{"CNI_COMMAND", "GC"}, {"CNI_PATH", "/opt/cni/bin"}},
                     R"({"cniVersion":"1.1.0","name":"a\u0000/../b","type":"berth-bridge"})");
  CHECK(gc.rc == 1);
  CHECK_FALSE(gc.handler_ran);
  CHECK(gc.out["code"] == int(Code::kInvalidConfig));
  // The control: a plain request reaches its handler.
  auto ok = dispatch(env_for("DEL"), config_named("net1"));
  CHECK(ok.rc == 0);
  CHECK(ok.handler_ran);
}

TEST_CASE("security: ipam.dataDir with NUL, newline, .. parts or a relative path is code 7") {
  for (const char* dir :
       {R"("/tmp/a\u0000b")", R"("/tmp/a\nb")", R"("/tmp/../etc")", R"("tmp/leases")",
        R"("/tmp/./x")", R"(7)"}) {
    INFO("dataDir " << dir);
    auto request = json::parse(std::string(R"({"cniVersion":"1.1.0","name":"net1","ipam":{"type":"berth-ipam","subnet":"10.1.0.0/24","dataDir":)") +
                               dir + "}}");
    auto only_dir = ipam::parse_data_dir(request);  // DEL and GC read just this
    REQUIRE_FALSE(only_dir);
    CHECK(only_dir.error().code == Code::kInvalidConfig);
    auto full = ipam::parse_config(request);  // ADD, CHECK, STATUS
    REQUIRE_FALSE(full);
    CHECK(full.error().code == Code::kInvalidConfig);
  }
  auto fine = ipam::parse_data_dir(json::parse(
      R"({"name":"net1","ipam":{"type":"berth-ipam","dataDir":"/var/lib/berth/ipam"}})"));
  REQUIRE(fine);
  CHECK(*fine == "/var/lib/berth/ipam");
}

TEST_CASE("security: a lease directory replaced by a symlink is refused and its target is untouched") {
  TempDir t;
  const std::string victim = make_victim(t.path);
  const std::string before = tree_of(victim);
  REQUIRE(::mkdir((t.path + "/data").c_str(), 0700) == 0);
  REQUIRE(::symlink(victim.c_str(), (t.path + "/data/net1").c_str()) == 0);
  for (bool create : {true, false}) {
    auto s = ipam::DiskStore::open(t.path + "/data", "net1", create, 300ms);
    INFO("create " << create);
    REQUIRE_FALSE(s);
    CHECK(s.error().code == Code::kStore);
  }
  CHECK(tree_of(victim) == before);
  // A network name with a path in it never gets as far as the disk.
  auto escape = ipam::DiskStore::open(t.path + "/data", "../victim", true, 300ms);
  REQUIRE_FALSE(escape);
  CHECK(escape.error().code == Code::kInvalidConfig);
  CHECK(tree_of(victim) == before);
}

TEST_CASE("security: symlinks planted inside a lease directory are never followed") {
  TempDir t;
  const std::string victim = make_victim(t.path);
  const std::string before = tree_of(victim);
  const std::string dir = t.path + "/data/net1";
  const ipam::Attachment c1{"c1", "eth0"};
  {
    auto s = ipam::DiskStore::open(t.path + "/data", "net1", true, 300ms);
    REQUIRE(s);
    REQUIRE((*s)->lock());
    REQUIRE((*s)->reserve(c1, *IpAddr::parse("10.0.0.2"), 0).value());
    (*s)->unlock();
  }
  auto replace = [](const std::string& path, const std::string& target) {
    REQUIRE(std::system(("rm -rf '" + path + "'").c_str()) == 0);
    REQUIRE(::symlink(target.c_str(), path.c_str()) == 0);
  };
  auto store = [&] {
    auto s = ipam::DiskStore::open(t.path + "/data", "net1", false, 300ms);
    REQUIRE(s);
    REQUIRE(*s);
    return std::move(*s);
  };
  SECTION("the lock file") {
    replace(dir + "/lock", victim + "/lock");
    auto l = store()->lock();
    REQUIRE_FALSE(l);
    CHECK(l.error().code == Code::kStore);
  }
  SECTION("the attachments index") {
    replace(dir + "/attachments", victim + "/attachments");
    auto l = store()->lock();
    REQUIRE_FALSE(l);
    CHECK(l.error().code == Code::kStore);
  }
  SECTION("an index entry") {
    replace(dir + "/attachments/c1@eth0", victim + "/state.json");
    auto s = store();
    REQUIRE(s->lock());
    // DEL and a second address for the same attachment: refused, not written through.
    auto released = s->release(c1);
    CHECK_FALSE(released);
    if (!released) CHECK(released.error().code == Code::kStore);
    auto again = s->reserve(c1, *IpAddr::parse("10.0.0.3"), 0);
    CHECK_FALSE(again);
    s->unlock();
  }
  SECTION("a lease file") {
    replace(dir + "/10.0.0.2", victim + "/10.0.0.2");
    auto s = store();
    REQUIRE(s->lock());
    auto released = s->release(c1);
    CHECK_FALSE(released);
    if (!released) CHECK(released.error().code == Code::kStore);
    CHECK_FALSE(s->reserve(ipam::Attachment{"c2", "eth0"}, *IpAddr::parse("10.0.0.2"), 0).value_or(true));
    s->unlock();
  }
  SECTION("last_reserved_ip") {
    replace(dir + "/last_reserved_ip.0", victim + "/last_reserved_ip.0");
    auto s = store();
    REQUIRE(s->lock());
    // Read as "nothing recorded" or refused; replaced by a file of its own when written.
    (void)s->last_reserved(0);
    (void)s->reserve(ipam::Attachment{"c3", "eth0"}, *IpAddr::parse("10.0.0.4"), 0);
    s->unlock();
  }
  CHECK(tree_of(victim) == before);
}

TEST_CASE("security: the lease store and the nftables lock get 0700 directories and 0600 files under umask 000") {
  TempDir t;
  NoUmask no_umask;
  {
    auto s = ipam::DiskStore::open(t.path + "/a/b/data", "net1", true, 300ms);
    REQUIRE(s);
    REQUIRE((*s)->lock());
    REQUIRE((*s)->reserve(ipam::Attachment{"c1", "eth0"}, *IpAddr::parse("10.0.0.2"), 0).value());
    (*s)->unlock();
  }
  for (const char* d : {"/a", "/a/b", "/a/b/data", "/a/b/data/net1", "/a/b/data/net1/attachments"})
    CHECK(mode_of(t.path + d) == 0700);
  for (const char* f : {"/lock", "/10.0.0.2", "/last_reserved_ip.0", "/attachments/c1@eth0"})
    CHECK(mode_of(t.path + "/a/b/data/net1" + f) == 0600);

  auto lock = nft::FileLock::open(t.path + "/run/berth/nft.lock");
  REQUIRE(lock);
  CHECK(mode_of(t.path + "/run") == 0700);
  CHECK(mode_of(t.path + "/run/berth") == 0700);
  CHECK(mode_of(t.path + "/run/berth/nft.lock") == 0600);
  // A planted symlink as the lock file is not followed.
  const std::string victim = make_victim(t.path);
  REQUIRE(::symlink((victim + "/lock").c_str(), (t.path + "/run/berth/other.lock").c_str()) == 0);
  CHECK_FALSE(nft::FileLock::open(t.path + "/run/berth/other.lock"));
  CHECK(slurp(victim + "/lock") == "precious lock");
}



TEST_CASE("security: no product code runs a shell, ip, nft or iptables") {
  namespace fs = std::filesystem;
  // Whatever a product source file could exec: a shell by name or path, or one of the
  // network tools berth replaces with netlink. The exceptions, each by design:
  //  - `berth nsenter` runs the user's $SHELL or /bin/sh as its default interactive
  //    command (runtime/debug/nsenter.cpp);
  //  - the busybox image's default command is `sh`, as Docker's busybox image's is: it
  //    runs inside the container when `berth run busybox` is given no command.
  const std::regex forbidden(
      R"re(\b(system|popen|execl|execlp|execvp|execvpe)\s*\(|"(/usr)?(/s?bin/)?(sh|bash|dash|ip|ip6tables|iptables|iptables-restore|nft|tc|modprobe)"|"-c")re");
  const std::vector<std::pair<std::string, std::regex>> allowed = {
      {"runtime/debug/nsenter.cpp", std::regex(R"re(return \{"/bin/sh"\};)re")},
      {"runtime/image/store.cpp", std::regex(R"re(ImageConfig\{\{"sh"\},)re")},
  };
  int files = 0;
  std::vector<std::string> found;
  for (const char* top : {"core", "plugins", "ipam", "runtime"}) {
    for (const auto& e : fs::recursive_directory_iterator(fs::path(BERTH_SOURCE_DIR) / top)) {
      auto ext = e.path().extension();
      if (ext != ".cpp" && ext != ".h") continue;
      ++files;
      std::istringstream lines(slurp(e.path().string()));
      std::string line;
      for (int n = 1; std::getline(lines, line); ++n) {
        std::string code = line.substr(0, line.find("//"));
        if (!std::regex_search(code, forbidden)) continue;
        std::string rel = e.path().string().substr(std::string(BERTH_SOURCE_DIR).size() + 1);
        bool ok = false;
        for (const auto& [file, re] : allowed) ok = ok || (rel == file && std::regex_search(code, re));
        if (ok) continue;
        found.push_back(rel + ":" + std::to_string(n) + ": " + line);
      }
    }
  }
  CHECK(files > 100);
  for (const auto& f : found) UNSCOPED_INFO(f);
  CHECK(found.empty());
}
