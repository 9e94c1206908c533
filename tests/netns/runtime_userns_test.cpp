// `--userns auto` and `--uidmap/--gidmap`: the container's root is root inside only, its
// files are stored under the mapped ids, it is networked and limited as any container,
// and bad maps change nothing.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>

#include "tests/netns/runtime_helpers.h"

using namespace berth::test;

namespace {

// The auto pool: berth's default (100000 + k*65536) unless a subuid file is given; the
// real host's /etc/subuid is never read or written by these tests.
void use_default_pool() {
  std::string none = temp_dir() + "/no-subid";
  setenv("BERTH_SUBUID_FILE", none.c_str(), 1);
  setenv("BERTH_SUBGID_FILE", none.c_str(), 1);
}

// "0 100000 65536": a map file's whitespace squeezed.
std::string squeezed(const std::string& s) {
  std::istringstream in(s);
  std::string out, word;
  while (in >> word) out += (out.empty() ? "" : " ") + word;
  return out;
}

struct stat stat_of(const std::string& path) {
  struct stat st {};
  INFO(path);
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st;
}

}  // namespace

TEST_CASE("userns auto: root inside is a mapped range and its files are stored as mapped ids",
          "[runtime][userns]") {
  use_default_pool();
  Berth berth;
  std::string id = berth.ok(
      "create --name u1 --net none --userns auto busybox sh -c "
      "'id -u; id -g; cat /proc/self/uid_map; cat /proc/self/gid_map; stat -c %u:%g /etc/passwd; "
      "echo x > /tmp/made; echo extra >> /etc/passwd; rm -rf /etc/init.d; mkdir /etc/init.d; "
      "ls -A /etc/init.d | wc -l; stat -c %u:%g /; touch /at-root && echo made'");
  std::istringstream out(berth.ok("start -a u1"));
  std::string uid, gid, uid_map, gid_map, passwd_owner, emptied, root_owner, at_root;
  std::getline(out, uid);
  std::getline(out, gid);
  std::getline(out, uid_map);
  std::getline(out, gid_map);
  std::getline(out, passwd_owner);
  std::getline(out, emptied);
  std::getline(out, root_owner);
  std::getline(out, at_root);
  CHECK(uid == "0");
  CHECK(gid == "0");
  CHECK(squeezed(uid_map) == "0 100000 65536");
  CHECK(squeezed(gid_map) == "0 100000 65536");
  // The image's root-owned files are root's inside (the image layer is idmapped) ...
  CHECK(passwd_owner == "0:0");
  // ... and a directory removed from the image and made again is empty (an opaque
  // directory in the upper layer, marked with user.* xattrs).
  CHECK(emptied == "0");
  // The container's / (the upper directory's root) is its root's: it may write there.
  CHECK(root_owner == "0:0");
  CHECK(at_root == "made");
  // On the host, what the container made or changed belongs to the mapped root.
  std::string upper = berth.root() + "/containers/" + id + "/upper";
  for (const char* f : {"/tmp/made", "/etc/passwd", "/at-root"}) {
    auto st = stat_of(upper + f);
    CHECK(st.st_uid == 100000);
    CHECK(st.st_gid == 100000);
  }
  auto j = berth.inspect("u1");
  CHECK(j["HostConfig"]["UsernsMode"] == "auto");
  CHECK(j["HostConfig"]["IDMappings"]["UidMap"] == nlohmann::json::array({"0:100000:65536"}));
  CHECK(j["HostConfig"]["IDMappings"]["GidMap"] == nlohmann::json::array({"0:100000:65536"}));
  // A second start gets the same range again.
  CHECK(squeezed(berth.ok("start -a u1")).find("0 100000 65536") != std::string::npos);
  berth.ok("rm u1");
  // Without the option there is no user namespace, as in Docker.
  CHECK(berth.inspect(berth.ok("create --net none busybox true"))["HostConfig"]["UsernsMode"] ==
        "");
}

TEST_CASE("userns auto: the container's root cannot do what the host's root can",
          "[runtime][userns]") {
  use_default_pool();
  Berth berth;
  std::string secret = temp_dir() + "/secret";
  { std::ofstream(secret) << "host only\n"; }
  REQUIRE(::chmod(secret.c_str(), 0600) == 0);
  const std::string probe =
      "busybox sh -c 'stat -c %u /secret; cat /secret >/dev/null 2>&1 && echo read; "
      "echo changed 2>/dev/null > /secret && echo wrote; mknod /tmp/mem c 1 1 2>/dev/null && "
      "echo mknod; true'";
  // Without a user namespace the container's root reads and writes it (DAC_OVERRIDE)...
  std::string plain = berth.ok("run --rm --net none -v " + secret + ":/secret " + probe);
  CHECK(plain.find("read") != std::string::npos);
  { std::ofstream(secret) << "host only\n"; }
  // ... in one, the file's owner (host root, not mapped) shows as nobody and it can do
  // neither; nor make a device node.
  std::string confined =
      berth.ok("run --rm --net none --userns auto -v " + secret + ":/secret " + probe);
  INFO(confined);
  std::istringstream lines(confined);
  std::string owner;
  std::getline(lines, owner);
  CHECK(owner == "65534");
  CHECK(confined.find("read") == std::string::npos);
  CHECK(confined.find("wrote") == std::string::npos);
  CHECK(confined.find("mknod") == std::string::npos);
  CHECK(sh("cat " + secret) == "host only\n");
}

TEST_CASE("userns auto: networking, exec, ps and stats work and exec joins the user namespace",
          "[runtime][userns]") {
  use_default_pool();
  Berth berth;
  berth.ok("run -d --name web --userns auto busybox httpd -f -p 80 -h /etc");
  auto j = berth.inspect("web");
  std::string ip = j["NetworkSettings"]["IPAddress"];
  std::string gw = j["NetworkSettings"]["Gateway"];
  REQUIRE_FALSE(ip.empty());
  // Served from the host side through the plugins' veth...
  CHECK(sh("wget -qO- -T 5 http://" + ip + "/hostname") ==
        j["Id"].get<std::string>().substr(0, 12) + "\n");
  // ... and the container reaches its gateway.
  CHECK(berth.ok("exec web ping -c1 -W2 " + gw).find("1 packets received") != std::string::npos);
  // exec is root in the same user namespace as the init, not the host's.
  std::string pid = std::to_string(j["State"]["Pid"].get<int>());
  std::string init_ns = Berth::trim(sh("readlink /proc/" + pid + "/ns/user"));
  CHECK(init_ns != Berth::trim(sh("readlink /proc/self/ns/user")));
  CHECK(berth.ok("exec web sh -c 'id -u; readlink /proc/self/ns/user'") == "0\n" + init_ns);
  CHECK(berth.ok("exec web sh -c 'touch /tmp/by-exec; stat -c %u /tmp/by-exec'") == "0");
  CHECK(stat_of(berth.root() + "/containers/" + j["Id"].get<std::string>() + "/upper/tmp/by-exec")
            .st_uid == 100000);
  CHECK(berth.ok("ps").find("web") != std::string::npos);
  CHECK(berth.ok("stats --no-stream").find(j["Id"].get<std::string>().substr(0, 12)) !=
        std::string::npos);
  berth.ok("rm -f web");
}

TEST_CASE("userns auto: containers get disjoint ranges, from berth's subuid entries when present",
          "[runtime][userns]") {
  use_default_pool();
  Berth berth;
  std::string a = berth.ok("create --net none --userns auto busybox true");
  std::string b = berth.ok("create --net none --userns auto busybox true");
  CHECK(berth.inspect(a)["HostConfig"]["IDMappings"]["UidMap"][0] == "0:100000:65536");
  CHECK(berth.inspect(b)["HostConfig"]["IDMappings"]["UidMap"][0] == "0:165536:65536");
  berth.ok("rm " + a + " " + b);

  // Two blocks for the user `berth` (other users' lines are not ours).
  std::string subuid = temp_dir() + "/subuid", subgid = temp_dir() + "/subgid";
  std::ofstream(subuid) << "alice:100000:65536\nberth:300000:131072\n";
  std::ofstream(subgid) << "berth:500000:131072\n";
  setenv("BERTH_SUBUID_FILE", subuid.c_str(), 1);
  setenv("BERTH_SUBGID_FILE", subgid.c_str(), 1);
  std::string c = berth.ok("create --net none --userns auto busybox cat /proc/self/gid_map");
  std::string d = berth.ok("create --net none --userns auto busybox true");
  CHECK(berth.inspect(c)["HostConfig"]["IDMappings"]["UidMap"][0] == "0:300000:65536");
  CHECK(berth.inspect(c)["HostConfig"]["IDMappings"]["GidMap"][0] == "0:500000:65536");
  CHECK(berth.inspect(d)["HostConfig"]["IDMappings"]["UidMap"][0] == "0:365536:65536");
  CHECK(squeezed(berth.ok("start -a " + c)) == "0 500000 65536");
  auto full = berth("create --net none --userns auto busybox true");
  CHECK(full.rc == 125);
  CHECK(full.err.find("no free range") != std::string::npos);
  // Removing a container frees its block.
  berth.ok("rm " + c);
  CHECK(berth.inspect(berth.ok(
            "create --net none --userns auto busybox true"))["HostConfig"]["IDMappings"]["UidMap"]
                                                            [0] == "0:300000:65536");
}

TEST_CASE("explicit --uidmap and --gidmap are used as given", "[runtime][userns]") {
  Berth berth;
  std::string out = berth.ok(
      "run --rm --net none --uidmap 0:200000:1000 --uidmap 1000:300000:10 --gidmap "
      "0:400000:2000 busybox sh -c 'cat /proc/self/uid_map /proc/self/gid_map'");
  std::istringstream in(out);
  std::string l1, l2, l3;
  std::getline(in, l1);
  std::getline(in, l2);
  std::getline(in, l3);
  CHECK(squeezed(l1) == "0 200000 1000");
  CHECK(squeezed(l2) == "1000 300000 10");
  CHECK(squeezed(l3) == "0 400000 2000");
  std::string id = berth.ok("create --net none --uidmap 0:200000:1000 busybox true");
  auto j = berth.inspect(id);
  CHECK(j["HostConfig"]["UsernsMode"] == "private");
  CHECK(j["HostConfig"]["IDMappings"]["GidMap"][0] == "0:200000:1000");  // as --uidmap
}

TEST_CASE("bad user namespace options fail with 125 and leave nothing", "[runtime][userns]") {
  use_default_pool();
  Berth berth;
  struct Case {
    const char* args;
    const char* says;
  } cases[] = {
      {"--userns bogus", "invalid --userns `bogus`"},
      {"--uidmap 0:100000:0", "the size must be at least 1"},
      {"--uidmap 0:4294967000:1000", "goes past the largest id"},
      {"--uidmap 0:100000", "expected CONTAINER_ID:HOST_ID:SIZE"},
      {"--uidmap 0:-1:10", "expected CONTAINER_ID:HOST_ID:SIZE"},
      {"--uidmap 0:100000:100 --uidmap 50:200000:10", "overlap inside the container"},
      {"--uidmap 0:100000:100 --uidmap 200:100050:10", "overlap on the host"},
      {"--uidmap 1:100000:100", "container id 0 (root) is not mapped"},
      {"--uidmap 0:100000:100 --gidmap 5:100000:100", "--gidmap: container id 0"},
      {"--userns auto --uidmap 0:100000:10", "conflicting options"},
      {"--userns auto --net host", "cannot share the network"},
      {"--userns auto -v /tmp:/dev/x", "a volume at `/dev/x` is not supported"},
  };
  for (const auto& c : cases) {
    auto r = berth(std::string("run --rm ") + c.args + " busybox true");
    INFO("berth run " << c.args << "\nstderr: " << r.err);
    CHECK(r.rc == 125);
    CHECK(r.err.find(c.says) != std::string::npos);
  }
  CHECK(berth.ok("ps -aq").empty());
  CHECK(sh("ls -A " + berth.root() + "/containers 2>/dev/null").empty());
  CHECK(mounts_under(berth.root()).empty());
}

TEST_CASE("a userns container's cgroup stays the host's: -m is written and OOM-kills",
          "[runtime][userns][cgroup]") {
  use_default_pool();
  Berth berth;
  std::string id = berth.ok("run -d --net none --userns auto -m 64m busybox sleep 1000");
  std::string v2 = "/sys/fs/cgroup/berth/" + id + "/memory.max";
  std::string v1 = "/sys/fs/cgroup/memory/berth/" + id + "/memory.limit_in_bytes";
  CHECK(Berth::trim(sh("cat " + v2 + " 2>/dev/null || cat " + v1)) == "67108864");
  // The init is in it (placed by the host side, before the command ran).
  std::string pid = std::to_string(berth.inspect(id)["State"]["Pid"].get<int>());
  CHECK(sh("cat /proc/" + pid + "/cgroup").find("/berth/" + id) != std::string::npos);
  berth.ok("rm -f " + id);
  auto r = berth(
      "run --name hog --net none --userns auto -m 8m busybox sh -c "
      "'x=$(head -c 64000000 /dev/zero | tr \"\\0\" a); echo survived ${#x}'");
  CHECK(r.rc == 137);
  CHECK(r.out.find("survived") == std::string::npos);
  CHECK(berth.inspect("hog")["State"]["OOMKilled"] == true);
  berth.ok("rm hog");
}

TEST_CASE("a userns container sees its own cgroup at /sys/fs/cgroup, read-only, with its limits",
          "[runtime][userns][cgroup]") {
  use_default_pool();
  Berth berth;
  auto r = berth(
      "run --rm --net none --userns auto -m 20m --pids-limit 7 busybox sh -c '"
      "cat /sys/fs/cgroup/memory.max 2>/dev/null || cat "
      "/sys/fs/cgroup/memory/memory.limit_in_bytes; "
      "cat /sys/fs/cgroup/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids/pids.max; "
      "grep -vc \":/$\" /proc/self/cgroup; "
      "echo 1 > /sys/fs/cgroup/pids.max || echo 1 > /sys/fs/cgroup/pids/pids.max'");
  INFO(r.err);
  std::istringstream out(r.out);
  std::string memory, pids, not_root;
  std::getline(out, memory);
  std::getline(out, pids);
  std::getline(out, not_root);
  CHECK(memory == "20971520");
  CHECK(pids == "7");
  CHECK(not_root == "0");  // every hierarchy's cgroup is the namespace's root
  CHECK(r.rc != 0);        // the write
  CHECK(r.err.find("Read-only file system") != std::string::npos);
}
