// berth-node's plan: which routes, neighbour and FDB entries a node wants for the blocks
// and nodes it knows of (node/dataplane.h), in host-gw and vxlan mode.
#include <catch2/catch.hpp>

#include "node/dataplane.h"

using berth::IpAddr;
using berth::Prefix;
using berth::node::Hop;
using berth::node::PeerNode;
using berth::node::plan;

namespace {

Prefix pfx(const std::string& s) { return *Prefix::parse(s); }
IpAddr ip(const std::string& s) { return *IpAddr::parse(s); }
const berth::netlink::Mac kMac2{0x02, 0, 0, 0, 0, 2}, kMac3{0x02, 0, 0, 0, 0, 3};

const std::map<Prefix, std::string> kBlocks{{pfx("10.244.0.0/26"), "n1"},
                                            {pfx("10.244.0.64/26"), "n2"},
                                            {pfx("10.244.0.128/26"), "n3"},
                                            {pfx("10.244.0.192/26"), "gone"}};

}  // namespace

TEST_CASE("node plan / host-gw: a route per remote block via its owner, none for our own or gone owners") {
  std::map<std::string, PeerNode> nodes{{"n1", {ip("10.0.0.1"), std::nullopt}},
                                        {"n2", {ip("10.0.0.2"), std::nullopt}},
                                        {"n3", {ip("10.0.0.3"), kMac3}}};
  auto p = plan("n1", false, kBlocks, nodes);
  REQUIRE(p.routes.size() == 2);
  CHECK(p.routes.at(pfx("10.244.0.64/26")) == Hop{ip("10.0.0.2"), false});
  // n3 runs vxlan but we do not: host-gw towards it.
  CHECK(p.routes.at(pfx("10.244.0.128/26")) == Hop{ip("10.0.0.3"), false});
  CHECK(p.neighbours.empty());
  CHECK(p.fdb.empty());
  CHECK(p.vtep_addresses.empty());
  CHECK(p.blocks_owned == 1);
  CHECK(p.gone_owners == std::set<std::string>{"gone"});
}

TEST_CASE("node plan / vxlan: overlay routes, neighbours and FDB entries towards vxlan peers, host-gw to the rest") {
  std::map<std::string, PeerNode> nodes{{"n1", {ip("10.0.0.1"), std::nullopt}},
                                        {"n2", {ip("10.0.0.2"), kMac2}},
                                        {"n3", {ip("10.1.0.3"), kMac3}}};
  std::map<Prefix, std::string> blocks = kBlocks;
  blocks[pfx("10.244.1.0/26")] = "n3";  // a second block of n3
  blocks[pfx("10.244.2.0/26")] = "n1";
  auto p = plan("n1", true, blocks, nodes);
  CHECK(p.routes.at(pfx("10.244.0.64/26")) == Hop{ip("10.244.0.64"), true});
  CHECK(p.routes.at(pfx("10.244.1.0/26")) == Hop{ip("10.244.1.0"), true});
  CHECK(p.neighbours == std::set<berth::netlink::Neighbour>{{ip("10.244.0.64"), kMac2},
                                                            {ip("10.244.0.128"), kMac3},
                                                            {ip("10.244.1.0"), kMac3}});
  // One FDB entry per remote node, whatever its number of blocks.
  CHECK(p.fdb == std::set<berth::netlink::Neighbour>{{ip("10.0.0.2"), kMac2}, {ip("10.1.0.3"), kMac3}});
  CHECK(p.vtep_addresses == std::set<Prefix>{pfx("10.244.0.0/32"), pfx("10.244.2.0/32")});
  CHECK(p.blocks_owned == 2);

  // A peer without a VTEP MAC (it runs host-gw) is reached directly.
  nodes["n2"].vtep_mac.reset();
  p = plan("n1", true, blocks, nodes);
  CHECK(p.routes.at(pfx("10.244.0.64/26")) == Hop{ip("10.0.0.2"), false});
  CHECK(p.fdb.size() == 1);
}
