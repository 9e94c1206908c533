// Port mappings and isolation entries <-> set elements, keyed as the rules load them.
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <catch2/catch.hpp>

#include "core/nft/firewall.h"
#include "core/nft/isolation.h"
#include "core/nft/netfilter.h"
#include "core/nft/portmap.h"

using namespace berth::nft;
using berth::IpAddr;

namespace {
IpAddr ip(const char* s) { return *IpAddr::parse(s); }
}  // namespace

TEST_CASE("nft: a port mapping is one map element keyed address . protocol . port") {
  std::vector<PortMapping> in = {{ip("198.18.0.1"), IPPROTO_TCP, 8080, ip("10.1.0.5"), 80, "n aa"},
                                 {IpAddr(), IPPROTO_UDP, 53, ip("10.1.0.5"), 5353, "n aa"},
                                 {IpAddr(), IPPROTO_SCTP, 9, ip("fd00::5"), 9, "n aa"}};
  auto sets = portmap_elements(in, {});
  REQUIRE(sets);
  const Element& bound = sets->at(kPorts4).at(0);
  // Each field padded to 4 bytes; ports in network order, as `th dport` loads them.
  REQUIRE(bound.key == Bytes{198, 18, 0, 1, IPPROTO_TCP, 0, 0, 0, 0x1f, 0x90, 0, 0});
  REQUIRE(bound.data == Bytes{10, 1, 0, 5, 0, 80, 0, 0});
  REQUIRE(bound.tag == "n aa");
  REQUIRE(sets->at(kPorts4Any).at(0).key == Bytes{IPPROTO_UDP, 0, 0, 0, 0, 53, 0, 0});
  REQUIRE(sets->at(kPorts6Any).at(0).data.size() == 20);
  // And back.
  for (const auto& [map, elems] : *sets)
    for (const auto& el : elems) {
      auto m = port_mapping(map, el);
      REQUIRE(m);
      REQUIRE(std::find(in.begin(), in.end(), *m) != in.end());
    }
  REQUIRE(port_name(in[0]) == "198.18.0.1:8080/tcp");
  REQUIRE(port_name(in[1]) == "53/udp");
}

TEST_CASE("nft: bad port mappings are code 7 before anything is sent") {
  auto bad = [](std::vector<PortMapping> in) { return !portmap_elements(in, {}); };
  REQUIRE(bad({{IpAddr(), IPPROTO_TCP, 80, IpAddr(), 80, "t"}}));                     // no container address
  REQUIRE(bad({{ip("fd00::1"), IPPROTO_TCP, 80, ip("10.0.0.2"), 80, "t"}}));         // other family
  REQUIRE(bad({{IpAddr(), IPPROTO_ICMP, 80, ip("10.0.0.2"), 80, "t"}}));             // protocol
  REQUIRE(bad({{IpAddr(), IPPROTO_TCP, 0, ip("10.0.0.2"), 80, "t"}}));               // port 0
  REQUIRE(bad({{IpAddr(), IPPROTO_TCP, 80, ip("10.0.0.2"), 80, ""}}));               // no tag
  // One host port to two destinations in one request.
  REQUIRE(bad({{IpAddr(), IPPROTO_TCP, 80, ip("10.0.0.2"), 80, "t"}, {IpAddr(), IPPROTO_TCP, 80, ip("10.0.0.2"), 81, "t"}}));
  // The same mapping twice is fine.
  std::vector<PortMapping> twice = {{IpAddr(), IPPROTO_TCP, 80, ip("10.0.0.2"), 80, "t"},
                                    {IpAddr(), IPPROTO_TCP, 80, ip("10.0.0.2"), 80, "t"}};
  auto ok = portmap_elements(twice, {});
  REQUIRE(ok);
  REQUIRE(ok->at(kPorts4Any).size() == 1);
}

TEST_CASE("nft: bridges and icc ports are NUL-padded interface names") {
  std::vector<BridgeEntry> br = {{"br-a", true, "a"}, {"br-b", false, "b"}};
  auto sets = isolation_elements(br);
  REQUIRE(sets);
  REQUIRE(sets->at(kBridges).size() == 2);
  REQUIRE(sets->at(kInternal).size() == 1);
  Bytes name(16, 0);
  std::copy_n("br-a", 4, name.begin());
  REQUIRE(sets->at(kBridges)[0].key == name);
  Bytes pair = name;
  pair.insert(pair.end(), name.begin(), name.end());
  REQUIRE(sets->at(kBridgeSelf)[0].key == pair);
  std::vector<BridgeEntry> too_long = {{"a-name-of-16-ch", false, "x"}, {"a-name-of-16-chr", false, "x"}};
  REQUIRE_FALSE(isolation_elements(too_long));
  std::vector<IccPort> ports = {{"veth01234567", "n aa"}};
  auto icc = icc_elements(ports);
  REQUIRE(icc);
  REQUIRE(icc->at(kIccPorts)[0].tag == "n aa");
}

TEST_CASE("nft: berth's table has a fixed rule count whatever is published") {
  TableSpec t = berth_table();
  size_t rules = 0;
  for (const auto& c : t.chains) rules += c.rules.size();
  // postrouting, prerouting, output, ports_snat, forward, mark_dnat, input
  REQUIRE(rules == 6 + 5 + 5 + 3 + 5 + 1 + 1);
  REQUIRE(bridge_table("berth").family == NFPROTO_BRIDGE);
}
