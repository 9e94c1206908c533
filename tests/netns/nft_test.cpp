// berth_nft against the real kernel. Each TEST_CASE runs as root in its own private
// net+mnt namespace (main.cpp), so the ruleset starts empty and dies with the test.
#include <net/if.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/nft/firewall.h"
#include "core/nft/lock.h"
#include "tests/netns/fixture.h"

using berth::IpAddr;
using berth::nft::Firewall;
using berth::nft::MasqEntry;
using berth::test::sh;
using berth::test::sh_in;

namespace {

const char* kLock = "/run/berth/nft.lock";

IpAddr ip(const char* s) { return *IpAddr::parse(s); }

Firewall open_fw() {
  auto fw = Firewall::open(kLock);
  REQUIRE(fw);
  return std::move(*fw);
}

void run(const std::string& cmd) {
  int rc = -1;
  std::string out = sh(cmd + " 2>&1", &rc);
  INFO(cmd << ": " << out);
  REQUIRE(rc == 0);
}

int make_bridge(const std::string& name) {
  run("ip link add " + name + " type bridge && ip link set " + name + " up");
  int idx = int(if_nametoindex(name.c_str()));
  REQUIRE(idx > 0);
  return idx;
}

// The rules of chain postrouting as nft's JSON sees them.
size_t postrouting_rules() {
  int rc = -1;
  auto j = nlohmann::json::parse(sh("nft -j list chain inet berth postrouting", &rc));
  REQUIRE(rc == 0);
  size_t n = 0;
  for (const auto& item : j["nftables"])
    if (item.contains("rule")) ++n;
  return n;
}

std::string list_set(const std::string& set) {
  return sh("nft list set inet berth " + set + " 2>&1");
}

}  // namespace

TEST_CASE("nft: add_masquerade builds the table once and nft lists elements with their tags") {
  int br = make_bridge("br0");
  std::vector<MasqEntry> entries = {{ip("10.88.0.5"), br, "net1 aaa"},
                                    {ip("fd88::5"), br, "net1 aaa"}};
  Firewall fw = open_fw();
  REQUIRE(fw.add_masquerade(entries));
  REQUIRE(fw.add_masquerade(entries));  // idempotent

  std::string rules = sh("nft list ruleset");
  INFO(rules);
  REQUIRE(postrouting_rules() == 6);
  for (const char* line :
       {"type nat hook postrouting priority srcnat; policy accept;", "ip daddr 224.0.0.0/4 return",
        "ip6 daddr ff00::/8 return", "ip saddr . oif @masq_skip4 return",
        "ip6 saddr . oif @masq_skip6 return", "ip saddr @masq4 masquerade",
        "ip6 saddr @masq6 masquerade", "type ipv4_addr . iface_index",
        "type ipv6_addr . iface_index", "10.88.0.5 comment \"net1 aaa\"",
        "10.88.0.5 . \"br0\" comment \"net1 aaa\"", "fd88::5 . \"br0\" comment \"net1 aaa\""})
    REQUIRE(rules.find(line) != std::string::npos);

  auto listed = fw.list_masquerade();
  REQUIRE(listed);
  REQUIRE(listed->size() == 2);
  for (const auto& e : *listed) {
    REQUIRE(e.bridge_ifindex == br);
    REQUIRE(e.tag == "net1 aaa");
  }
}

TEST_CASE("nft: concurrent add_masquerade from processes and threads creates the rules once") {
  // Everyone opens first, then waits on one pipe: closing its write end releases all of
  // them at once, so the "is the table there yet?" checks really overlap.
  int gate[2];
  REQUIRE(pipe(gate) == 0);
  auto contender = [&](uint32_t addr, const std::string& tag) {
    auto fw = Firewall::open(kLock);
    char c;
    (void)!read(gate[0], &c, 1);
    std::vector<MasqEntry> e = {{IpAddr::v4(addr), 0, tag}};
    return fw && fw->add_masquerade(e);
  };
  const int kEach = 8;
  std::vector<pid_t> kids;
  for (int i = 0; i < kEach; ++i) {
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      close(gate[1]);
      _exit(contender(0x0a000001 + uint32_t(i), "proc " + std::to_string(i)) ? 0 : 1);
    }
    kids.push_back(pid);
  }
  std::vector<std::thread> threads;
  std::vector<int> ok(kEach, 0);
  for (int i = 0; i < kEach; ++i)
    threads.emplace_back([&, i] {
      ok[size_t(i)] = contender(0x0a000101 + uint32_t(i), "thread " + std::to_string(i)) ? 1 : 0;
    });
  usleep(200 * 1000);  // let every contender reach the gate
  close(gate[1]);
  for (auto& t : threads) t.join();
  close(gate[0]);
  for (pid_t pid : kids) {
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    REQUIRE(WIFEXITED(status));
    REQUIRE(WEXITSTATUS(status) == 0);
  }
  REQUIRE(ok == std::vector<int>(kEach, 1));
  REQUIRE(postrouting_rules() == 6);
  auto listed = open_fw().list_masquerade();
  REQUIRE(listed);
  REQUIRE(listed->size() == 2 * kEach);
}

TEST_CASE("nft: changes wait for the lock that serialises berth's nftables writers") {
  auto lock = berth::nft::FileLock::open(kLock);
  REQUIRE(lock);
  std::optional<berth::nft::FileLock::Guard> held;
  held.emplace(*lock->lock());
  // Each step runs on a thread and must not finish while the test holds the lock.
  auto blocked = [&](std::function<bool(Firewall&)> step) {
    std::atomic<int> result{-1};
    std::thread t([&] {
      auto fw = Firewall::open(kLock);
      result = fw && step(*fw) ? 1 : 0;
    });
    usleep(300 * 1000);
    bool waited = result == -1;
    held.reset();
    t.join();
    held.emplace(*lock->lock());
    return waited && result == 1;
  };
  std::vector<MasqEntry> e = {{ip("10.88.0.5"), 0, "t"}};
  REQUIRE(blocked([&](Firewall& fw) { return bool(fw.add_masquerade(e)); }));
  REQUIRE(postrouting_rules() == 6);
  REQUIRE(blocked([&](Firewall& fw) { return fw.remove_by_tag([](auto) { return true; }) == 1u; }));
  REQUIRE(blocked([&](Firewall& fw) { return fw.remove_table_if_unused() == true; }));
  REQUIRE(sh("nft list ruleset") == "");
}

TEST_CASE("nft: remove_by_tag removes exactly the matching elements and then the empty table goes") {
  int br = make_bridge("br0");
  Firewall fw = open_fw();
  std::vector<MasqEntry> entries = {{ip("10.88.0.5"), br, "net1 a"},
                                    {ip("10.88.0.6"), br, "net1 b"},
                                    {ip("fd88::6"), br, "net1 b"},
                                    {ip("10.99.0.5"), 0, "net2 a"}};
  REQUIRE(fw.add_masquerade(entries));
  // An element someone else added, without a tag, is never berth's to remove.
  run("nft add element inet berth masq4 '{ 10.123.0.1 }'");

  auto n = fw.remove_by_tag([](std::string_view t) { return t == "net1 b"; });
  REQUIRE(n);
  REQUIRE(*n == 4);  // masq4, masq_skip4, masq6, masq_skip6
  REQUIRE(list_set("masq4").find("10.88.0.6") == std::string::npos);
  REQUIRE(list_set("masq_skip6").find("fd88::6") == std::string::npos);
  REQUIRE(list_set("masq4").find("10.88.0.5") != std::string::npos);
  auto listed = fw.list_masquerade();
  REQUIRE(listed);
  REQUIRE(listed->size() == 3);  // net1 a, net2 a, and the untagged one

  REQUIRE(*fw.remove_by_tag([](std::string_view t) { return t == "net1 b"; }) == 0);
  REQUIRE_FALSE(*fw.remove_table_if_unused());  // still in use
  REQUIRE(*fw.remove_by_tag([](std::string_view) { return true; }) == 3);
  REQUIRE_FALSE(*fw.remove_table_if_unused());  // the untagged element keeps it
  run("nft delete element inet berth masq4 '{ 10.123.0.1 }'");
  REQUIRE(*fw.remove_table_if_unused());
  REQUIRE(sh("nft list ruleset") == "");
}

TEST_CASE("nft: without a table listing and removing succeed and do nothing") {
  Firewall fw = open_fw();
  REQUIRE(fw.list_masquerade()->empty());
  REQUIRE(*fw.remove_by_tag([](std::string_view) { return true; }) == 0);
  REQUIRE_FALSE(*fw.remove_table_if_unused());
  REQUIRE(sh("nft list ruleset") == "");
}

TEST_CASE("nft: an address handed out again changes owner") {
  Firewall fw = open_fw();
  std::vector<MasqEntry> old_owner = {{ip("10.88.0.5"), 0, "net1 old"}};
  std::vector<MasqEntry> new_owner = {{ip("10.88.0.5"), 0, "net1 new"}};
  REQUIRE(fw.add_masquerade(old_owner));
  REQUIRE(fw.add_masquerade(new_owner));
  // The stale owner's cleanup must not take the new owner's element.
  REQUIRE(*fw.remove_by_tag([](std::string_view t) { return t == "net1 old"; }) == 0);
  auto listed = fw.list_masquerade();
  REQUIRE(listed);
  REQUIRE(*listed == new_owner);
}

TEST_CASE("nft: add_masquerade restores rules removed behind its back without doubling them") {
  Firewall fw = open_fw();
  std::vector<MasqEntry> e = {{ip("10.88.0.5"), 0, "t"}};
  REQUIRE(fw.add_masquerade(e));
  run("nft flush chain inet berth postrouting");
  REQUIRE(postrouting_rules() == 0);
  REQUIRE(fw.add_masquerade(e));
  REQUIRE(postrouting_rules() == 6);
  // A set can only go together with the rules that use it.
  run("nft 'flush chain inet berth postrouting; delete set inet berth masq_skip6'");
  REQUIRE(fw.add_masquerade(e));
  REQUIRE(list_set("masq_skip6").find("ipv6_addr . iface_index") != std::string::npos);
  REQUIRE(postrouting_rules() == 6);
}

TEST_CASE("nft: a refused batch is reported with code 101 and the refused step") {
  Firewall fw = open_fw();
  std::vector<MasqEntry> e = {{ip("10.88.0.5"), 0, "t"}};
  REQUIRE(fw.add_masquerade(e));
  // Someone replaces a set with one of another type: berth's element no longer fits.
  run("nft 'flush chain inet berth postrouting; delete set inet berth masq4; "
      "add set inet berth masq4 { type ipv6_addr; }'");
  std::vector<MasqEntry> e2 = {{ip("10.88.0.6"), 0, "t"}};
  auto r = fw.add_masquerade(e2);
  REQUIRE_FALSE(r);
  INFO(r.error().msg);
  REQUIRE(r.error().code == berth::Code::kNftables);
  // The rule that reads masq4 as IPv4 is the step the kernel refuses.
  REQUIRE(r.error().msg.find("nftables batch refused: add rule to chain `postrouting`") !=
          std::string::npos);
}

namespace {

// Prints the source address of the first TCP connection to <addr>:8080.
const char* kListener = R"(import socket, sys
fam = socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET
s = socket.socket(fam)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 8080))
s.listen(1)
s.settimeout(10)
c, a = s.accept()
print(a[0])
)";
// Connects to <addr>:8080, retrying while the listener starts.
const char* kClient = R"(import socket, sys, time
for _ in range(100):
    try:
        socket.create_connection((sys.argv[1], 8080), 1).close()
        break
    except OSError:
        time.sleep(0.05)
)";

std::string write_script(const std::string& name, const char* text) {
  std::string path = berth::test::temp_dir() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

// The source address `server_ns` sees when `client_ns` connects to `addr`.
std::string source_seen(const std::string& client_ns, const std::string& server_ns,
                        const std::string& addr) {
  static const std::string listener = write_script("listen.py", kListener);
  static const std::string client = write_script("connect.py", kClient);
  std::string seen;
  std::thread server([&] { seen = sh_in(server_ns, "/usr/bin/python3 " + listener + " " + addr); });
  sh_in(client_ns, "/usr/bin/python3 " + client + " " + addr);
  server.join();
  while (!seen.empty() && seen.back() == '\n') seen.pop_back();
  return seen;
}

// A netns named `name` joined to the host by veth <name>-h, with `addrs` on its end (eth0)
// and default routes via `gws`; the host end goes into `bridge` or gets `host_addrs`.
std::string attach(const std::string& name, const std::string& bridge,
                   const std::vector<std::string>& addrs, const std::vector<std::string>& gws,
                   const std::vector<std::string>& host_addrs = {}) {
  std::string ns = berth::test::make_netns(name);
  std::string host_end = name + "-h";
  run("ip link add " + host_end + " type veth peer name eth0 netns " + ns);
  if (!bridge.empty()) run("ip link set " + host_end + " master " + bridge);
  for (const auto& a : host_addrs) run("ip addr add " + a + " dev " + host_end + " nodad");
  run("ip link set " + host_end + " up");
  for (const auto& a : addrs) run("nsenter --net=" + ns + " ip addr add " + a + " dev eth0 nodad");
  run("nsenter --net=" + ns + " ip link set eth0 up");
  for (const auto& gw : gws) run("nsenter --net=" + ns + " ip route add default via " + gw);
  return ns;
}

}  // namespace

TEST_CASE("nft: masquerade rewrites container sources except through the container's own bridge") {
  run("sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 "
      "net.ipv4.conf.all.send_redirects=0");
  int br = make_bridge("br0");
  run("ip addr add 10.77.0.1/24 dev br0 && ip addr add 10.78.0.1/24 dev br0");
  run("ip addr add fd77::1/64 dev br0 nodad");
  std::string ctr = attach("ctr", "br0", {"10.77.0.2/24", "fd77::2/64"}, {"10.77.0.1", "fd77::1"});
  // A second container on the same bridge but in another subnet: reaching it is routed by
  // the host and leaves through br0 again, which is what the skip sets are for.
  std::string peer = attach("peer", "br0", {"10.78.0.2/24"}, {"10.78.0.1"});
  // "Outside" knows the way back to the containers, so without masquerade it sees their
  // own addresses rather than nothing at all.
  std::string out =
      attach("out", "", {"198.18.0.2/24", "fd18::2/64"}, {}, {"198.18.0.1/24", "fd18::1/64"});
  run("nsenter --net=" + out + " ip route add 10.77.0.0/24 via 198.18.0.1");
  run("nsenter --net=" + out + " ip route add fd77::/64 via fd18::1");

  REQUIRE(source_seen(ctr, out, "198.18.0.2") == "10.77.0.2");  // no berth yet

  Firewall fw = open_fw();
  std::vector<MasqEntry> entries = {{ip("10.77.0.2"), br, "net1 ctr"},
                                    {ip("fd77::2"), br, "net1 ctr"}};
  REQUIRE(fw.add_masquerade(entries));
  CHECK(source_seen(ctr, out, "198.18.0.2") == "198.18.0.1");
  CHECK(source_seen(ctr, out, "fd18::2") == "fd18::1");
  CHECK(source_seen(ctr, peer, "10.78.0.2") == "10.77.0.2");  // own bridge: skipped

  // Without the skip element, traffic back out through br0 is masqueraded too (so the
  // previous check really exercised the masq_skip4 lookup).
  REQUIRE(*fw.remove_by_tag([](std::string_view t) { return t == "net1 ctr"; }) == 4);
  std::vector<MasqEntry> no_bridge = {{ip("10.77.0.2"), 0, "net1 ctr"}};
  REQUIRE(fw.add_masquerade(no_bridge));
  CHECK(source_seen(ctr, peer, "10.78.0.2") == "10.78.0.1");

  REQUIRE(*fw.remove_by_tag([](std::string_view t) { return t == "net1 ctr"; }) == 1);
  CHECK(source_seen(ctr, out, "198.18.0.2") == "10.77.0.2");
  CHECK(source_seen(ctr, out, "fd18::2") == "fd77::2");
}
