// Network modes through the runtime: bridge (the default), none, host, container:NAME,
// user-defined networks, published ports, and many containers at once.
#include <catch2/catch.hpp>
#include <set>
#include <thread>
#include <vector>

#include "tests/netns/runtime_helpers.h"

using namespace berth::test;

namespace {

std::string links_in(const Berth& berth, const std::string& args) {
  return berth.ok("run --rm " + args +
                  " busybox sh -c \"ip -o link | awk -F': ' '{print \\$2}' | cut -d@ -f1\"");
}

}  // namespace

TEST_CASE("net none gives only lo and it is up", "[runtime][net]") {
  Berth berth;
  CHECK(links_in(berth, "--net none") == "lo");
  CHECK(berth.ok("run --rm --net none busybox cat /sys/class/net/lo/operstate") == "unknown");
  CHECK(berth.ok("run --rm --net none busybox ping -c1 -W1 127.0.0.1").find("1 packets received") !=
        std::string::npos);
}

TEST_CASE("net host sees the host's links and hostname", "[runtime][net]") {
  Berth berth;
  sh("ip link add berthhost0 type veth peer name berthhost1");
  std::string links = links_in(berth, "--net host");
  CHECK(links.find("berthhost0") != std::string::npos);
  CHECK(links.find("berthhost1") != std::string::npos);
  CHECK(berth.ok("run --rm --net host busybox hostname") == Berth::trim(sh("hostname")));
  sh("ip link del berthhost0");
}

TEST_CASE("bridge gives an address from the default network and two containers reach each other",
          "[runtime][net]") {
  Berth berth;
  std::string id = berth.ok("run -d --name srv busybox nc -ll -p 5000 -e echo pong");
  auto j = berth.inspect("srv");
  const auto& bridge = j["NetworkSettings"]["Networks"]["bridge"];
  std::string ip = bridge["IPAddress"];
  CHECK_FALSE(ip.empty());
  CHECK(j["NetworkSettings"]["IPAddress"] == ip);
  CHECK_FALSE(bridge["Gateway"].get<std::string>().empty());
  CHECK(bridge["MacAddress"].get<std::string>().rfind("02:42:", 0) == 0);
  CHECK(j["NetworkSettings"]["SandboxKey"] == berth.root() + "/netns/" + id);
  // The container's /etc/hosts names its own address.
  CHECK(berth.ok("exec srv cat /etc/hosts").find(ip + "\t" + id.substr(0, 12)) !=
        std::string::npos);
  // From a second container on the same bridge, and from the host.
  CHECK(berth.ok("run --rm busybox nc -w 5 " + ip + " 5000 </dev/null") == "pong");
  CHECK(berth.ok("run --rm busybox ping -c1 -W2 " + ip).find("1 packets received") !=
        std::string::npos);
  int rc = 1;
  sh("ping -c1 -W2 " + ip + " >/dev/null", &rc);
  CHECK(rc == 0);
  berth.ok("rm -f srv");
  CHECK(veth_links().empty());
  CHECK_FALSE(path_exists(berth.root() + "/netns/" + id));
}

TEST_CASE("container:NAME shares the other container's network namespace", "[runtime][net]") {
  Berth berth;
  berth.ok("run -d --name pod busybox nc -ll -p 6000 -e echo shared");
  std::string ip = berth.inspect("pod")["NetworkSettings"]["IPAddress"];
  std::string addrs = berth.ok("run --rm --net container:pod busybox ip -o -4 addr show eth0");
  CHECK(addrs.find(ip + "/") != std::string::npos);
  // Same namespace: the other container's listener is on our loopback.
  CHECK(berth.ok("run --rm --net container:pod busybox nc -w 5 127.0.0.1 6000 </dev/null") ==
        "shared");
  // But not its processes.
  CHECK(berth.ok("run --rm --net container:pod busybox sh -c 'pidof nc || echo none'") == "none");
  auto conflict = berth("run --rm --net container:pod -p 80 busybox true");
  CHECK(conflict.rc == 125);
  CHECK(conflict.err.find("conflicting options") != std::string::npos);
  berth.ok("rm -f pod");
  auto gone = berth("run --rm --net container:pod busybox true");
  CHECK(gone.rc == 125);
}

TEST_CASE("published ports are recorded and shown by port and ps and inspect", "[runtime][net]") {
  Berth berth;
  berth.ok("run -d --name web -p 8080:80 -p 127.0.0.1:5353:53/udp busybox sleep 1000");
  CHECK(berth.ok("port web") == "80/tcp -> 0.0.0.0:8080\n53/udp -> 127.0.0.1:5353");
  CHECK(berth.ok("port web 80") == "0.0.0.0:8080");
  CHECK(berth.ok("ps").find("0.0.0.0:8080->80/tcp, 127.0.0.1:5353->53/udp") != std::string::npos);
  auto j = berth.inspect("web");
  CHECK(j["NetworkSettings"]["Ports"]["80/tcp"][0]["HostPort"] == "8080");
  CHECK(j["HostConfig"]["PortBindings"]["53/udp"][0]["HostIp"] == "127.0.0.1");
  CHECK(berth("port web 81").rc == 1);
  berth.ok("rm -f web");
}

TEST_CASE("a published port answers on the host", "[runtime][net]") {
  Berth berth;
  berth.ok(
      "run -d --name web -p 8080:80 busybox sh -c "
      "'mkdir -p /www && echo hello from berth > /www/index.html && exec httpd -f -p 80 -h /www'");
  std::string page =
      sh("timeout 5 python3 -c 'import urllib.request as u; "
         "print(u.urlopen(\"http://127.0.0.1:8080/\", timeout=3).read().decode(), end=\"\")'");
  CHECK(page == "hello from berth\n");
  berth.ok("rm -f web");
}

TEST_CASE("user-defined networks resolve names and aliases", "[runtime][net]") {
  Berth berth;
  berth.ok("network create appnet");
  berth.ok(
      "run -d --name api --net appnet --network-alias backend busybox nc -ll -p 7000 -e echo api");
  auto j = berth.inspect("api");
  REQUIRE(j["NetworkSettings"]["Networks"].contains("appnet"));
  std::string ip = j["NetworkSettings"]["Networks"]["appnet"]["IPAddress"];
  std::string short_api = j["Id"].get<std::string>().substr(0, 12);
  CHECK(berth.ok("exec api cat /etc/hosts").find(ip + "\t" + short_api + " api backend") !=
        std::string::npos);
  // By name, by alias and by short ID, from a container started later.
  for (const std::string& name : {std::string("api"), std::string("backend"), short_api})
    CHECK(berth.ok("run --rm --net appnet busybox nc -w 5 " + name + " 7000 </dev/null") == "api");
  // A container started later shows up in the earlier one's hosts file, and goes again.
  berth.ok("run -d --name worker --net appnet busybox sleep 1000");
  CHECK(berth.ok("exec api cat /etc/hosts").find("worker") != std::string::npos);
  CHECK(berth.ok("exec api ping -c1 -W2 worker").find("1 packets received") != std::string::npos);
  berth.ok("rm -f worker");
  CHECK(berth.ok("exec api cat /etc/hosts").find("worker") == std::string::npos);
  // As in Docker, the default bridge has no names.
  berth.ok("run -d --name plain busybox sleep 1000");
  CHECK(berth("run --rm busybox ping -c1 -W1 plain").rc != 0);
  berth.ok("rm -f api plain");
  CHECK(berth("network rm appnet").rc == 0);
}

TEST_CASE("containers on different networks cannot reach each other", "[runtime][net]") {
  Berth berth;
  berth.ok("network create isonet");
  berth.ok("run -d --name iso --net isonet busybox nc -ll -p 7000 -e echo iso");
  std::string ip = berth.ok("inspect -f '{{.NetworkSettings.IPAddress}}' iso");
  CHECK(berth.ok("run --rm --net isonet busybox nc -w 5 " + ip + " 7000 </dev/null") == "iso");
  CHECK(berth("run --rm busybox nc -w 5 " + ip + " 7000 </dev/null").out.empty());
  berth.ok("rm -f iso");
  berth.ok("network rm isonet");
}

TEST_CASE("20 containers started at once get 20 distinct addresses", "[runtime][net]") {
  Berth berth;
  berth.ok("run --rm busybox true");  // the default network and the image exist first
  std::vector<std::thread> threads;
  std::vector<BerthRun> runs(20);
  for (int i = 0; i < 20; ++i)
    threads.emplace_back([&, i] {
      runs[size_t(i)] = berth("run -d --name c" + std::to_string(i) + " busybox sleep 1000");
    });
  for (auto& t : threads) t.join();
  std::set<std::string> ips;
  for (int i = 0; i < 20; ++i) {
    INFO(runs[size_t(i)].err);
    CHECK(runs[size_t(i)].rc == 0);
    ips.insert(berth.ok("inspect -f '{{.NetworkSettings.IPAddress}}' c" + std::to_string(i)));
  }
  CHECK(ips.size() == 20);
  CHECK(ips.count("") == 0);
  berth.ok("rm -f $(" + bin_dir() + "/berth --root " + berth.root() + " ps -aq)");
  CHECK(berth.ok("ps -aq").empty());
  CHECK(veth_links().empty());
}

TEST_CASE("network connect adds eth1 and disconnect takes it away", "[runtime][net]") {
  Berth berth;
  berth.ok("network create second");
  berth.ok("run -d --name multi busybox sleep 1000");
  berth.ok("network connect --alias m2 second multi");
  CHECK(berth.ok("exec multi ip -o link").find("eth1") != std::string::npos);
  auto nets = berth.inspect("multi")["NetworkSettings"]["Networks"];
  CHECK(nets.contains("bridge"));
  REQUIRE(nets.contains("second"));
  CHECK(nets["second"]["InterfaceName"] == "eth1");
  std::string ip2 = nets["second"]["IPAddress"];
  CHECK(berth.ok("exec multi cat /etc/hosts").find(ip2) != std::string::npos);
  auto twice = berth("network connect second multi");
  CHECK(twice.rc == 1);
  CHECK(twice.err.find("already on network `second`") != std::string::npos);
  berth.ok("network disconnect second multi");
  CHECK(berth.ok("exec multi ip -o link").find("eth1") == std::string::npos);
  CHECK_FALSE(berth.inspect("multi")["NetworkSettings"]["Networks"].contains("second"));
  CHECK(berth("network disconnect second multi").rc == 1);
  berth.ok("rm -f multi");
  CHECK(berth("network rm second").rc == 0);
  CHECK(veth_links().empty());
}

TEST_CASE("network connect on a stopped container lasts across stop, start and restarts",
          "[runtime][net]") {
  Berth berth;
  berth.ok("network create second");
  berth.ok("create --name later busybox sleep 1000");
  berth.ok("network connect --alias l2 second later");
  auto nets = berth.inspect("later")["NetworkSettings"]["Networks"];
  REQUIRE(nets.contains("second"));
  CHECK(nets["second"]["IPAddress"] == "");
  CHECK(berth("network connect second later").rc == 1);  // already on it

  berth.ok("start later");
  CHECK(berth.ok("exec later ip -o -4 addr show eth1").find("inet ") != std::string::npos);
  std::string ip2 = berth.inspect("later")["NetworkSettings"]["Networks"]["second"]["IPAddress"];
  CHECK_FALSE(ip2.empty());
  berth.ok("stop -t 1 later");
  CHECK(veth_links().empty());  // both attachments went with the stop
  berth.ok("start later");
  CHECK(berth.ok("exec later ip -o -4 addr show eth1").find("inet ") != std::string::npos);
  CHECK(berth.ok("exec later cat /etc/hosts").find("l2") != std::string::npos);

  // A restart policy's restart brings it back too.
  berth.ok("run -d --name bounce --restart always busybox sh -c 'sleep 1; exit 3'");
  berth.ok("network connect second bounce");
  REQUIRE(wait_for([&] { return berth.inspect("bounce")["RestartCount"].get<int>() >= 1; }, 10000));
  std::string eth1;
  wait_for([&] {
    eth1 = berth("exec bounce ip -o -4 addr show eth1").out;
    return eth1.find("inet ") != std::string::npos;
  });
  CHECK(eth1.find("inet ") != std::string::npos);
  berth.ok("rm -f bounce");

  // Disconnected while stopped: the next start has eth0 only.
  berth.ok("stop -t 1 later");
  berth.ok("network disconnect second later");
  CHECK_FALSE(berth.inspect("later")["NetworkSettings"]["Networks"].contains("second"));
  CHECK(berth("network disconnect second later").rc == 1);
  berth.ok("start later");
  CHECK(berth("exec later ip -o link show eth1").rc != 0);

  auto missing = berth("network connect nosuchnet later");
  CHECK(missing.rc == 1);
  CHECK(missing.err.find("nosuchnet") != std::string::npos);
  berth.ok("create --name hosty --net host busybox true");
  auto host = berth("network connect second hosty");
  CHECK(host.rc == 1);
  CHECK(host.err.find("no network namespace of its own") != std::string::npos);
  berth.ok("rm -f later hosty");
  CHECK(berth("network rm second").rc == 0);
  CHECK(veth_links().empty());
}

TEST_CASE("network prune asks as Docker does and needs -f without a terminal", "[runtime][net]") {
  // script(1) (bsdutils, essential on Debian) gives berth a terminal for stdin.
  REQUIRE_FALSE(sh("command -v script || true").empty());
  Berth berth;
  berth.ok("network create spare");
  auto refused = berth("network prune </dev/null");
  INFO(refused.err);
  CHECK(refused.rc == 1);
  CHECK(refused.err.find("use -f") != std::string::npos);
  CHECK(refused.out.empty());
  CHECK(berth("network inspect spare").rc == 0);

  std::string cmd = bin_dir() + "/berth --root " + berth.root() + " network prune";
  std::string no = sh("printf 'n\\n' | script -qec '" + cmd + "' /dev/null 2>&1");
  INFO(no);
  CHECK(no.find("WARNING! This will remove all custom networks not used by at least one "
                "container.\r\nAre you sure you want to continue? [y/N] ") != std::string::npos);
  CHECK(berth("network inspect spare").rc == 0);
  std::string yes = sh("printf 'y\\n' | script -qec '" + cmd + "' /dev/null 2>&1");
  INFO(yes);
  CHECK(yes.find("Deleted Networks:\r\nspare\r\n") != std::string::npos);
  CHECK(berth("network inspect spare").rc == 1);
  CHECK(berth.ok("network prune -f").empty());
}
