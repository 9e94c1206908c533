#include "node/masquerade.h"

#include <linux/netfilter.h>

#include "core/nft/batch.h"
#include "core/nft/expr.h"
#include "core/nft/schema.h"
#include "core/nft/socket.h"

namespace berth::node {
namespace {

constexpr int32_t kPrioSrcnat = 100;  // nft's `srcnat`

nft::Rule join(nft::Rule a, const nft::Rule& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

nft::ChainSpec postrouting(const std::vector<Prefix>& cidrs) {
  nft::ChainSpec chain{.name = "postrouting", .type = "nat", .hook = NF_INET_POST_ROUTING,
                       .priority = kPrioSrcnat, .policy = NF_ACCEPT, .rules = {}};
  for (const auto& c : cidrs) {
    const IpAddr net = c.network();
    nft::Rule from = nft::match_saddr_prefix(net.family(), net.data(), c.len);
    nft::Rule stay = join(from, nft::match_daddr_prefix(net.family(), net.data(), c.len));
    stay.push_back(nft::Verdict{NFT_RETURN});
    nft::Rule leave = from;
    leave.push_back(nft::Masquerade{});
    chain.rules.push_back(stay);
    chain.rules.push_back(leave);
  }
  return chain;
}

}  // namespace

Result<> install_masquerade(const std::vector<Prefix>& cluster_cidrs) {
  auto sock = BERTH_TRY(nft::Socket::open());
  auto state = BERTH_TRY(nft::read_state(sock, kMasqTable, NFPROTO_INET));
  nft::Batch batch(kMasqTable, NFPROTO_INET);
  if (state.exists) batch.delete_table();  // whatever an earlier run (or another CIDR) left
  batch.add_table();
  auto chain = postrouting(cluster_cidrs);
  batch.add_chain(chain);
  for (const auto& r : chain.rules) BERTH_TRY(batch.add_rule(chain.name, r));
  if (auto r = sock.commit(batch); !r) return std::unexpected(r.error().wrap("install table `inet berth_node`"));
  return {};
}

Result<> remove_masquerade() {
  auto sock = BERTH_TRY(nft::Socket::open());
  auto state = BERTH_TRY(nft::read_state(sock, kMasqTable, NFPROTO_INET));
  if (!state.exists) return {};
  nft::Batch batch(kMasqTable, NFPROTO_INET);
  batch.delete_table();
  if (auto r = sock.commit(batch); !r) return std::unexpected(r.error().wrap("remove table `inet berth_node`"));
  return {};
}

}  // namespace berth::node
