// `berth run` in the foreground: output, exit statuses, hostname, the rootfs it builds,
// and bad input that must change nothing.
#include <catch2/catch.hpp>

#include "tests/netns/runtime_helpers.h"

using namespace berth::test;

TEST_CASE("run --rm prints the output and passes the exit status through", "[runtime]") {
  Berth berth;
  auto r = berth("run --rm busybox echo hi");
  INFO(r.err);
  CHECK(r.rc == 0);
  CHECK(r.out == "hi\n");
  CHECK(berth("run --rm --net none busybox sh -c 'exit 3'").rc == 3);
  CHECK(berth("run --rm --net none busybox sh -c 'exit 255'").rc == 255);
  auto missing = berth("run --rm --net none busybox no-such-command");
  CHECK(missing.rc == 127);
  CHECK(missing.err.find("no-such-command") != std::string::npos);
  CHECK(berth("run --rm --net none busybox /etc/passwd").rc == 126);
  // --rm left no container, in any state.
  CHECK(berth.ok("ps -aq").empty());
}

TEST_CASE("the hostname is the short ID unless --hostname is given", "[runtime]") {
  Berth berth;
  std::string id = berth.ok("create --net none busybox hostname");
  REQUIRE(id.size() == 64);
  CHECK(berth.ok("start -a " + id) == id.substr(0, 12));
  CHECK(berth.ok("run --rm --net none --hostname box1 busybox hostname") == "box1");
  CHECK(berth.ok("run --rm --net none --hostname box1 busybox cat /etc/hostname") == "box1");
  CHECK(berth.ok("rm " + id.substr(0, 8)) == id.substr(0, 8));
}

TEST_CASE(
    "the container gets its own rootfs with /proc /dev read-only /sys and trimmed capabilities",
    "[runtime]") {
  Berth berth;
  std::string out = berth.ok(
      "run --rm --net none -e GREETING=hello -w /work busybox sh -c "
      "'echo $GREETING; pwd; echo $$; ls /dev | tr \"\\n\" \" \"; echo; "
      "touch /sys/x 2>&1 | grep -c Read-only; grep CapBnd /proc/self/status; "
      "echo data > /file && cat /file'");
  std::istringstream lines(out);
  std::string greeting, pwd, pid, dev, ro, caps, file;
  std::getline(lines, greeting);
  std::getline(lines, pwd);
  std::getline(lines, pid);
  std::getline(lines, dev);
  std::getline(lines, ro);
  std::getline(lines, caps);
  std::getline(lines, file);
  CHECK(greeting == "hello");
  CHECK(pwd == "/work");
  CHECK(pid == "1");  // its own pid namespace
  for (const char* node : {"null", "zero", "full", "random", "urandom", "tty", "pts", "shm"})
    CHECK(dev.find(node) != std::string::npos);
  CHECK(ro == "1");
  CHECK(caps.find("00000000a80425fb") != std::string::npos);  // Docker's default set
  CHECK(file == "data");
  // The image itself is untouched by the container's writes.
  CHECK_FALSE(path_exists(berth.root() + "/images/busybox/rootfs/file"));
}

TEST_CASE("volumes are bind-mounted and read-only when asked", "[runtime]") {
  Berth berth;
  std::string dir = temp_dir() + "/vol";
  sh("mkdir -p " + dir + " && echo from-host > " + dir + "/in");
  CHECK(berth.ok("run --rm --net none -v " + dir +
                 ":/data busybox sh -c 'cat /data/in; echo back > /data/out'") == "from-host");
  CHECK(Berth::trim(sh("cat " + dir + "/out")) == "back");
  auto ro = berth("run --rm --net none -v " + dir + ":/data:ro busybox touch /data/x");
  CHECK(ro.rc != 0);
  CHECK(ro.err.find("Read-only") != std::string::npos);
}

TEST_CASE("bad input gives a clear message and a non-zero status and changes nothing",
          "[runtime]") {
  Berth berth;
  struct Case {
    const char* args;
    int rc;
    const char* says;
  } cases[] = {
      {"run --rm no-such-image true", 125, "no such image: `no-such-image:latest`"},
      {"run --rm -p 99999:80 busybox true", 125, "99999"},
      {"run --rm -m 12q busybox true", 125, "invalid memory size `12q`"},
      {"run --rm --restart sometimes busybox true", 125, "invalid restart policy `sometimes`"},
      {"run --rm -v relative:/x:zz busybox true", 125, "invalid volume"},
      {"run --rm --net no-such-net busybox true", 125, "network `no-such-net` not found"},
      {"run --rm --net container:nobody busybox true", 125, "no such container: `nobody`"},
      {"run --rm --name x busybox true", 125, "invalid container name `x`"},
      {"run --rm --bogus busybox true", 125, "--bogus"},
      {"run", 125, "an image is required"},
      {"stop nobody", 1, "no such container: `nobody`"},
      {"exec nobody true", 125, "no such container: `nobody`"},
      {"logs", 125, "CONTAINER is required"},
  };
  for (const auto& c : cases) {
    auto r = berth(c.args);
    INFO("berth " << c.args << "\nstderr: " << r.err);
    CHECK(r.rc == c.rc);
    CHECK(r.err.find(c.says) != std::string::npos);
  }
  CHECK(berth.ok("ps -aq").empty());

  berth.ok("create --name taken --net none busybox true");
  auto dup = berth("run --name taken --net none busybox true");
  CHECK(dup.rc == 125);
  CHECK(dup.err.find("`taken` is already in use") != std::string::npos);
  auto stopped = berth("exec taken true");
  CHECK(stopped.rc == 125);
  CHECK(stopped.err.find("not running") != std::string::npos);
  CHECK(berth.ok("ps -aq").size() == 12);  // still exactly one container
}

TEST_CASE("image import from a tarball and a directory then ls and rm", "[runtime][image]") {
  Berth berth;
  berth.ok("run --rm --net none busybox true");  // builds the busybox image
  std::string rootfs = berth.root() + "/images/busybox/rootfs";
  std::string tarball = temp_dir() + "/box.tar";
  sh("tar -C " + rootfs + " -cf " + tarball + " .");
  std::string id = berth.ok("image import " + tarball + " mybox:1.0");
  CHECK(id.size() == 64);
  CHECK(berth.ok("image import " + rootfs + " dirbox").size() == 64);
  std::string ls = berth.ok("image ls");
  CHECK(ls.find("mybox") != std::string::npos);
  CHECK(ls.find("1.0") != std::string::npos);
  CHECK(ls.find("dirbox") != std::string::npos);
  CHECK(berth.ok("run --rm --net none mybox:1.0 echo imported") == "imported");
  CHECK(berth.ok("run --rm --net none dirbox cat /etc/group").find("root:x:0:") !=
        std::string::npos);
  // No default command in an imported image.
  auto nocmd = berth("run --rm --net none mybox:1.0");
  CHECK(nocmd.rc == 125);
  CHECK(nocmd.err.find("no command specified") != std::string::npos);
  auto dup = berth("image import " + tarball + " mybox:1.0");
  CHECK(dup.rc == 1);
  CHECK(dup.err.find("exists already") != std::string::npos);
  // In use: refused; after the container is gone: removed.
  berth.ok("create --name user --net none mybox:1.0 true");
  auto busy = berth("image rm mybox:1.0");
  CHECK(busy.rc == 1);
  CHECK(busy.err.find("used by container `user`") != std::string::npos);
  berth.ok("rm user");
  CHECK(berth.ok("image rm mybox:1.0 dirbox") == "Deleted: mybox:1.0\nDeleted: dirbox:latest");
  CHECK(berth.ok("image ls").find("mybox") == std::string::npos);
  auto gone = berth("image rm mybox:1.0");
  CHECK(gone.rc == 1);
  CHECK(gone.err.find("no such image") != std::string::npos);
  // A hostile archive is refused and leaves no image.
  std::string t = temp_dir();
  sh("tar -cf " + t + "/evil.tar --absolute-names /etc/hostname 2>/dev/null");
  auto evil = berth("image import " + t + "/evil.tar evil");
  CHECK(evil.rc == 1);
  CHECK(evil.err.find("absolute path") != std::string::npos);
  CHECK(berth.ok("image ls").find("evil") == std::string::npos);
}
