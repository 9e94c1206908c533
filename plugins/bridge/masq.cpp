// Masquerade through berth_nft (temporary no-op until the nftables layer lands).
#include "plugins/bridge/bridge.h"
#include "plugins/bridge/config.h"

namespace berth::bridge {

Result<> masq_add(const std::string&, const std::vector<IpAddr>&, int) { return {}; }
Result<size_t> masq_remove(const std::string&) { return size_t(0); }
Result<size_t> masq_gc(const std::string&, const std::set<std::string>&) { return size_t(0); }
Result<bool> masq_present(const std::string&, const std::vector<IpAddr>&) { return true; }

}  // namespace berth::bridge
