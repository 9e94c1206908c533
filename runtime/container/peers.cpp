#include "runtime/container/peers.h"

#include <algorithm>

#include "runtime/container/etc_files.h"
#include "runtime/container/id.h"
#include "runtime/container/launch.h"

namespace berth::runtime {

std::vector<std::string> user_networks(const Container& c) {
  std::vector<std::string> out;
  for (const auto& a : c.state.networks)
    if (a.network != net::kDefaultNetwork) out.push_back(a.network);
  return out;
}

std::vector<HostsPeer> peers_of(const Container& self, const std::vector<Container>& all) {
  std::vector<HostsPeer> peers;
  for (const auto& mine : self.state.networks) {
    if (mine.network == net::kDefaultNetwork) continue;
    for (const auto& other : all) {
      if (other.id == self.id || !is_active(other.state.status)) continue;
      for (const auto& a : other.state.networks) {
        if (a.network != mine.network || a.ip.empty()) continue;
        HostsPeer p{a.ip, {other.name}};
        for (const auto& alias : a.aliases)
          if (std::find(p.names.begin(), p.names.end(), alias) == p.names.end())
            p.names.push_back(alias);
        p.names.push_back(short_id(other.id));
        if (std::find(peers.begin(), peers.end(), p) == peers.end()) peers.push_back(p);
      }
    }
  }
  return peers;
}

void refresh_peer_hosts(Runtime& rt, const std::vector<std::string>& networks) {
  if (networks.empty()) return;
  // One writer at a time, so two containers starting together cannot interleave.
  auto lock = FileLock::acquire(rt.store.root() + "/hosts.lock", 10000);
  if (!lock) return;
  auto all = rt.store.list();
  if (!all) return;
  for (const auto& c : *all) {
    if (!is_active(c.state.status) || c.config.network == "host") continue;
    auto mine = user_networks(c);
    bool affected = std::any_of(mine.begin(), mine.end(), [&](const std::string& n) {
      return std::find(networks.begin(), networks.end(), n) != networks.end();
    });
    if (!affected) continue;
    std::string text =
        hosts_content(container_hostname(c), c.name, c.state.networks, peers_of(c, *all));
    (void)rewrite_hosts(rt.store.dir(c.id), text);
  }
}

}  // namespace berth::runtime
