#include <cstdio>

#include "core/cni/args.h"
#include "core/cni/names.h"
#include "plugins/ptp/ptp.h"

namespace berth::ptp {
namespace {

using nlohmann::json;

std::unexpected<Error> invalid(const std::string& why) {
  return fail(Code::kInvalidConfig, "invalid network config", why);
}

}  // namespace

std::string peer_end_name(const std::string& container_id, const std::string& ifname) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a over "id\0ifname"
  for (unsigned char c : container_id + std::string(1, '\0') + ifname) h = (h ^ c) * 1099511628211ull;
  char buf[16];
  std::snprintf(buf, sizeof buf, "%08llx", static_cast<unsigned long long>(h >> 32));
  return std::string("ptp") + buf;
}

Result<Config> parse_config(const cni::Request& req) {
  const json& c = req.config;
  Config cfg;
  BERTH_TRY(cni::parse_cni_args(req.env.args));
  if (auto it = c.find("mtu"); it != c.end() && !it->is_null()) {
    if (!it->is_number_integer() || it->get<int64_t>() < 0 || it->get<int64_t>() > 65535)
      return invalid("`mtu` must be a number from 0 to 65535");
    cfg.mtu = it->get<uint32_t>();
    if (cfg.mtu != 0 && cfg.mtu < 68) return invalid("`mtu` must be at least 68");
  }
  if (auto it = c.find("ipMasq"); it != c.end() && !it->is_null()) {
    if (!it->is_boolean()) return invalid("`ipMasq` must be true or false");
    if (it->get<bool>())
      return fail(Code::kUnsupportedField, "unsupported field `ipMasq`",
                  "berth-ptp does not masquerade; use berth-bridge with ipMasq, or add a masquerade rule; value true");
  }
  auto ipam = c.find("ipam");
  if (ipam == c.end() || !ipam->is_object()) return invalid("`ipam` is required and must be an object");
  auto type = ipam->find("type");
  if (type == ipam->end() || !type->is_string() || type->get<std::string>().empty())
    return invalid("`ipam.type` is required and must be a string");
  cfg.ipam_type = type->get<std::string>();
  if (auto it = c.find("dns"); it != c.end()) {
    auto d = cni::parse_dns(*it);
    if (!d) return invalid(d.error().details);
    cfg.dns = *d;
  }
  if (auto it = c.find("peerNetns"); it != c.end() && !it->is_null()) {
    if (!it->is_string()) return invalid("`peerNetns` must be a string");
    cfg.peer_netns = it->get<std::string>();
    BERTH_TRY(cni::validate_dir_path(cfg.peer_netns, "peerNetns"));
  }
  cfg.peer_ifname = peer_end_name(req.env.container_id, req.env.ifname);
  if (auto it = c.find("peerIfname"); it != c.end() && !it->is_null()) {
    if (!it->is_string()) return invalid("`peerIfname` must be a string");
    cfg.peer_ifname = it->get<std::string>();
    if (auto ok = cni::validate_ifname(cfg.peer_ifname); !ok)
      return fail(Code::kInvalidConfig, "invalid `peerIfname`", ok.error().msg);
    if (cfg.peer_netns.empty())
      return invalid("`peerIfname` needs `peerNetns`: on the host the name is derived from the attachment");
  }
  if (auto p = c.find("prevResult"); p != c.end() && !p->is_null()) {
    auto r = cni::parse_result(*p, req.version);
    if (!r) return std::unexpected(r.error().wrap("prevResult"));
    cfg.prev_result = *r;
  }
  return cfg;
}

}  // namespace berth::ptp
