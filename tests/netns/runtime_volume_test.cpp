// `berth volume create|ls|inspect|rm|prune`: named volumes as a Docker user expects them,
// shared between containers, refused while in use, removed without following symlinks.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <ctime>
#include <thread>

#include "tests/netns/runtime_helpers.h"

using namespace berth::test;

namespace {

std::string mode_of(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return "missing";
  char buf[8];
  std::snprintf(buf, sizeof buf, "%o", st.st_mode & 07777);
  return buf;
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

// Seconds since the epoch of "2024-05-01T12:00:00Z"; -1 when it is not that shape.
long long epoch_of(const std::string& stamp) {
  std::tm t{};
  char z = 0;
  if (std::sscanf(stamp.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c", &t.tm_year, &t.tm_mon, &t.tm_mday,
                  &t.tm_hour, &t.tm_min, &t.tm_sec, &z) != 7 ||
      z != 'Z' || stamp.size() != 20)
    return -1;
  t.tm_year -= 1900;
  t.tm_mon -= 1;
  return static_cast<long long>(timegm(&t));
}

}  // namespace

TEST_CASE("volume create ls inspect and rm round trip", "[runtime][volume]") {
  Berth berth;
  std::string vols = berth.root() + "/volumes";
  CHECK(berth.ok("volume ls -q").empty());
  CHECK(berth.ok("volume create data") == "data");
  CHECK(berth.ok("volume create data") == "data");  // existing: kept, as Docker
  std::string anon = berth.ok("volume create");
  CHECK(anon.size() == 64);
  CHECK(anon.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(mode_of(vols) == "700");
  CHECK(mode_of(vols + "/data") == "700");
  CHECK(mode_of(vols + "/data/_data") == "755");

  std::string ls = berth.ok("volume ls");
  CHECK(contains(ls, "DRIVER    VOLUME NAME\n"));
  CHECK(contains(ls, "local     data"));
  CHECK(contains(ls, "local     " + anon));
  CHECK(berth.ok("volume ls -q") == (anon < "data" ? anon + "\ndata" : "data\n" + anon));

  auto j = nlohmann::json::parse(berth.ok("volume inspect data"));
  REQUIRE(j.is_array());
  REQUIRE(j.size() == 1);
  CHECK(j[0]["Name"] == "data");
  CHECK(j[0]["Driver"] == "local");
  CHECK(j[0]["Scope"] == "local");
  CHECK(j[0]["Mountpoint"] == vols + "/data/_data");
  CHECK(j[0]["Labels"] == nlohmann::json::object());
  long long created = epoch_of(j[0]["CreatedAt"].get<std::string>());
  INFO("CreatedAt " << j[0]["CreatedAt"]);
  CHECK(created > 0);
  CHECK(std::llabs(created - static_cast<long long>(std::time(nullptr))) < 300);
  CHECK(nlohmann::json::parse(berth.ok("volume inspect data " + anon)).size() == 2);

  CHECK(berth.ok("volume rm data " + anon) == "data\n" + anon);
  CHECK(berth.ok("volume ls -q").empty());
  CHECK_FALSE(path_exists(vols + "/data"));
  CHECK(sh("ls -A " + vols).empty());  // nothing left behind, not even a renamed tree

  for (const char* verb : {"create", "ls", "inspect", "rm", "prune"}) {
    auto help = berth(std::string("volume ") + verb + " --help");
    INFO(verb);
    CHECK(help.rc == 0);
    CHECK(contains(help.out, "Usage"));
  }
}

TEST_CASE("data a container writes to a volume is read by the next one", "[runtime][volume]") {
  Berth berth;
  berth.ok("run --rm --net none -v data:/d busybox sh -c 'echo hi > /d/f'");
  CHECK(berth.ok("run --rm --net none -v data:/srv/x busybox cat /srv/x/f") == "hi");
  CHECK(Berth::trim(sh("cat " + berth.root() + "/volumes/data/_data/f")) == "hi");
  CHECK(berth.ok("volume ls -q") == "data");  // made by run, listed like any other
  CHECK(berth.ok("ps -aq").empty());          // --rm took the containers, not the volume
}

TEST_CASE("a volume named by create or run shows in volume ls and inspect", "[runtime][volume]") {
  Berth berth;
  // Made at create, before anything runs, as Docker does.
  berth.ok("create --name c1 --net none -v made-by-create:/x busybox true");
  CHECK(berth.ok("volume ls -q") == "made-by-create");
  berth.ok("run --rm --net none -v made.by.run:/x busybox true");
  CHECK(berth.ok("volume ls -q") == "made-by-create\nmade.by.run");
  auto j = nlohmann::json::parse(berth.ok("volume inspect made.by.run"));
  CHECK(j[0]["Mountpoint"] == berth.root() + "/volumes/made.by.run/_data");
  CHECK(epoch_of(j[0]["CreatedAt"].get<std::string>()) > 0);
  // dangling=true: no container refers to it.
  CHECK(berth.ok("volume ls -q --filter dangling=true") == "made.by.run");
  CHECK(berth.ok("volume ls -q -f dangling=false") == "made-by-create");
  CHECK(berth.ok("volume ls -q -f name=by.r") == "made.by.run");
  berth.ok("rm c1");
}

TEST_CASE("volume rm of a volume a container refers to is refused and names the container",
          "[runtime][volume]") {
  Berth berth;
  std::string vol = berth.root() + "/volumes/busy";
  berth.ok("run --name holder --net none -v busy:/d busybox sh -c 'echo kept > /d/f'");
  CHECK(berth.inspect("holder")["State"]["Status"] == "exited");
  auto r = berth("volume rm busy");
  INFO(r.err);
  CHECK(r.rc == 1);
  CHECK(contains(r.err, "volume `busy` is in use by container holder ("));
  auto forced = berth("volume rm -f busy");  // -f does not override in-use, as Docker
  CHECK(forced.rc == 1);
  CHECK(contains(forced.err, "holder"));
  CHECK(path_exists(vol + "/_data/f"));

  berth.ok("run -d --name runner --net none -v busy:/d:ro busybox sleep 1000");
  auto both = berth("volume rm busy");
  CHECK(both.rc == 1);
  CHECK(contains(both.err, "in use by containers"));
  CHECK(contains(both.err, "holder"));
  CHECK(contains(both.err, "runner"));
  CHECK(contains(berth.ok("volume prune -f"), "Total reclaimed space: 0B"));
  CHECK(path_exists(vol + "/_data/f"));

  berth.ok("rm -f runner");
  berth.ok("rm holder");
  CHECK(berth.ok("volume rm busy") == "busy");
  CHECK_FALSE(path_exists(vol));
}

TEST_CASE("volume rm removes symlinks planted in the volume and never their targets",
          "[runtime][volume]") {
  Berth berth;
  std::string outside = temp_dir() + "/outside";
  sh("mkdir -p " + outside + "/dir && echo precious > " + outside + "/file && echo deep > " +
     outside + "/dir/f");
  std::string data = berth.root() + "/" + "volumes/trap/_data";
  berth.ok("volume create trap");
  // From the host: links to a file and to a directory outside, one level down too.
  sh("ln -s " + outside + "/file " + data + "/link && ln -s " + outside + "/dir " + data +
     "/dirlink && mkdir " + data + "/sub && ln -s " + outside + " " + data + "/sub/up");
  // From a container: an absolute link that means nothing inside it but on the host names
  // the directory outside. Every target here is the test's own: a broken rm must never be
  // able to reach the host's real files (a link to /etc would put them at stake).
  berth.ok("run --rm --net none -v trap:/d busybox ln -s " + outside + "/dir /d/from-container");
  REQUIRE(Berth::trim(sh("cat " + data + "/link")) == "precious");

  auto rm = berth("volume rm trap");
  // The targets first: a failed rm must not have touched them either.
  CHECK(Berth::trim(sh("cat " + outside + "/file")) == "precious");
  CHECK(Berth::trim(sh("cat " + outside + "/dir/f")) == "deep");
  INFO(rm.err);
  CHECK(rm.rc == 0);
  CHECK(rm.out == "trap\n");
  CHECK_FALSE(path_exists(berth.root() + "/volumes/trap"));
  CHECK(sh("ls -A " + berth.root() + "/volumes").empty());
}

TEST_CASE("inspect shows a container's -v as Docker's Mounts", "[runtime][volume]") {
  Berth berth;
  std::string host = temp_dir() + "/shared";
  berth.ok("create --name mnt --net none -v data:/d -v " + host + ":/h:ro busybox true");
  auto m = berth.inspect("mnt")["Mounts"];
  INFO(m.dump(2));
  REQUIRE(m.size() == 2);
  CHECK(m[0]["Type"] == "volume");
  CHECK(m[0]["Name"] == "data");
  CHECK(m[0]["Source"] == nlohmann::json::parse(berth.ok("volume inspect data"))[0]["Mountpoint"]);
  CHECK(m[0]["Destination"] == "/d");
  CHECK(m[0]["RW"] == true);
  CHECK(m[1]["Type"] == "bind");
  CHECK_FALSE(m[1].contains("Name"));
  CHECK(m[1]["Source"] == host);
  CHECK(m[1]["Destination"] == "/h");
  CHECK(m[1]["Mode"] == "ro");
  CHECK(m[1]["RW"] == false);
  CHECK(m[1]["Propagation"] == "rprivate");
  CHECK(berth.ok("inspect -f '{{json .Mounts}}' mnt") == m.dump());
  berth.ok("create --name bare --net none busybox true");
  CHECK(berth.inspect("bare")["Mounts"] == nlohmann::json::array());
}

TEST_CASE("volume prune removes only volumes no container refers to", "[runtime][volume]") {
  Berth berth;
  berth.ok("volume create loose");
  berth.ok("volume create other");
  berth.ok("create --name keeper --net none -v kept:/d busybox true");
  sh("head -c 1500 /dev/zero > " + berth.root() + "/volumes/loose/_data/blob");

  // No terminal to ask on and no -f: refused, nothing removed.
  auto refused = berth("volume prune </dev/null");
  INFO(refused.err);
  CHECK(refused.rc == 1);
  CHECK(contains(refused.err, "-f"));
  CHECK(berth.ok("volume ls -q") == "kept\nloose\nother");

  auto pruned = berth("volume prune -f");
  INFO(pruned.err);
  CHECK(pruned.rc == 0);
  CHECK(pruned.out == "Deleted Volumes:\nloose\nother\n\nTotal reclaimed space: 1.5kB\n");
  CHECK(berth.ok("volume ls -q") == "kept");
  CHECK(berth.ok("volume prune -f") == "Total reclaimed space: 0B");
  berth.ok("rm keeper");
  CHECK(berth.ok("volume prune -f") == "Deleted Volumes:\nkept\n\nTotal reclaimed space: 0B");
  CHECK(sh("ls -A " + berth.root() + "/volumes").empty());
}

TEST_CASE("volume prune asks on a terminal and only yes removes", "[runtime][volume]") {
  // script(1) (bsdutils, essential on Debian) gives berth a terminal for stdin.
  REQUIRE_FALSE(sh("command -v script || true").empty());
  Berth berth;
  berth.ok("volume create asked");
  std::string cmd = bin_dir() + "/berth --root " + berth.root() + " volume prune";
  std::string no = sh("printf 'n\\n' | script -qec '" + cmd + "' /dev/null 2>&1");
  CHECK(contains(no, "Are you sure you want to continue? [y/N]"));
  CHECK(berth.ok("volume ls -q") == "asked");
  std::string yes = sh("printf 'y\\n' | script -qec '" + cmd + "' /dev/null 2>&1");
  CHECK(contains(yes, "Deleted Volumes:"));
  CHECK(berth.ok("volume ls -q").empty());
}

TEST_CASE("volume verbs name what was wrong: unknown volumes and bad names and options",
          "[runtime][volume]") {
  Berth berth;
  std::string too_long = "volume create " + std::string(256, 'v');
  struct Case {
    const char* args;
    int rc;
    const char* says;
  } cases[] = {
      {"volume rm nosuch", 1, "no such volume: `nosuch`"},
      {"volume inspect nosuch", 1, "no such volume: `nosuch`"},
      {"volume create a/b", 1, "invalid volume name `a/b`"},
      {"volume create ..", 1, "invalid volume name `..`"},
      {"volume create -- -x", 1, "invalid volume name `-x`"},
      {too_long.c_str(), 1, "invalid volume name"},
      {"volume create -d nfs x1", 1, "unknown volume driver `nfs`"},
      {"volume ls --filter color=blue", 1, "invalid filter `color`"},
      {"volume ls --filter dangling=maybe", 1, "invalid filter `dangling=maybe`"},
      {"volume rm", 125, "VOLUME is required"},
      {"volume", 125, "A subcommand is required"},
      {"volume frobnicate", 125, "A subcommand is required"},  // as network and image
  };
  for (const auto& c : cases) {
    auto r = berth(c.args);
    INFO("berth " << c.args << "\nstderr: " << r.err);
    CHECK(r.rc == c.rc);
    CHECK(contains(r.err, c.says));
  }
  CHECK(berth("volume inspect nosuch").out == "[]\n");
  // -f: a volume that does not exist is no error (as Docker).
  CHECK(berth.ok("volume rm -f nosuch") == "nosuch");
  CHECK(berth.ok("volume ls -q").empty());
  // A name on the command line and one in -v follow the same rule.
  CHECK(berth("run --rm --net none -v a.b:/x busybox true").rc == 0);
  CHECK(berth.ok("volume rm a.b") == "a.b");
}

TEST_CASE("a volume mounted read-only refuses writes", "[runtime][volume]") {
  Berth berth;
  berth.ok("run --rm --net none -v ro-data:/d busybox sh -c 'echo first > /d/f'");
  auto r = berth("run --rm --net none -v ro-data:/d:ro busybox sh -c 'echo second > /d/f'");
  CHECK(r.rc != 0);
  CHECK(contains(r.err, "Read-only"));
  CHECK(berth.ok("run --rm --net none -v ro-data:/d:ro busybox cat /d/f") == "first");
  CHECK_FALSE(path_exists(berth.root() + "/volumes/ro-data/_data/x"));
}

TEST_CASE("volume rm racing run either refuses or the run gets a new volume", "[runtime][volume]") {
  Berth berth;
  for (int i = 0; i < 4; ++i) {
    INFO("round " << i);
    berth.ok("run --rm --net none -v race:/d busybox sh -c 'echo old > /d/f'");
    // The run goes through sh() directly: Berth's own call is not made for two threads.
    BerthRun run;
    std::thread t([&] {
      run.out = sh(bin_dir() + "/berth --root " + berth.root() +
                       " run --rm --net none -v race:/d busybox cat /d/f 2>/dev/null",
                   &run.rc);
    });
    BerthRun rm = berth("volume rm race");
    t.join();
    INFO("rm: " << rm.rc << " " << rm.err << "run: " << run.rc << " " << run.out);
    if (rm.rc != 0) {
      // Refused: the run's container was recorded first, and it saw the old data.
      CHECK(contains(rm.err, "is in use by container"));
      CHECK(run.out == "old\n");
    } else {
      // Removed: the run saw the old data before, or a new empty volume after.
      CHECK((run.out == "old\n" || (run.rc != 0 && run.out.empty())));
    }
    (void)berth("volume rm -f race");
    CHECK(sh("ls -A " + berth.root() + "/volumes").empty());
  }
}

TEST_CASE("volume create rm and prune wait for the lock container create holds",
          "[runtime][volume]") {
  Berth berth;
  berth.ok("volume create held");
  std::string lock = berth.root() + "/containers.lock", ready = temp_dir() + "/locked";
  for (const char* verb : {"volume create other", "volume rm held", "volume prune -f"}) {
    INFO(verb);
    sh("rm -f " + ready + "; (flock -x " + lock + " sh -c 'touch " + ready +
       "; sleep 1') >/dev/null 2>&1 &");
    REQUIRE(wait_for([&] { return path_exists(ready); }));
    auto t0 = std::chrono::steady_clock::now();
    auto r = berth(verb);
    CHECK(r.rc == 0);
    CHECK(std::chrono::steady_clock::now() - t0 >= std::chrono::milliseconds(700));
  }
  CHECK(berth.ok("volume ls -q").empty());
}
