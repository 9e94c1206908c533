#include "plugins/bridge/config.h"

#include <cstdio>

#include "core/cni/args.h"
#include "core/cni/delegate.h"
#include "core/cni/names.h"
#include "core/nft/element.h"

namespace berth::bridge {
namespace {

using nlohmann::json;

uint64_t fnv1a(const std::string& a, const std::string& b) {
  uint64_t h = 1469598103934665603ull;
  auto mix = [&](const std::string& s) {
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  };
  mix(a);
  h = (h ^ 0) * 1099511628211ull;  // separator: ("ab","c") and ("a","bc") differ
  mix(b);
  return h;
}

std::string hex(uint64_t v, int digits) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%0*llx", digits, static_cast<unsigned long long>(v));
  return std::string(buf).substr(0, size_t(digits));
}

Result<bool> get_bool(const json& c, const char* key, bool def) {
  auto it = c.find(key);
  if (it == c.end() || it->is_null()) return def;
  if (!it->is_boolean())
    return fail(Code::kInvalidConfig, "invalid network config", std::string("`") + key + "` must be true or false");
  return it->get<bool>();
}

Result<std::optional<netlink::Mac>> mac_from(const json* v, const std::string& where) {
  if (!v || v->is_null()) return std::optional<netlink::Mac>();
  if (!v->is_string()) return fail(Code::kInvalidConfig, "invalid " + where, "a MAC must be a string");
  auto m = netlink::parse_mac(v->get<std::string>());
  if (!m) return fail(Code::kInvalidConfig, "invalid " + where, "`" + v->get<std::string>() + "` is no MAC address");
  return m;
}

// IPAM plugins a user may mean, named in the error for a missing ipam.type.
std::string known_ipam_types(const std::string& cni_path) {
  std::string known = "berth-ipam (built in)";
  for (const char* t : {"host-local", "static", "dhcp", "whereabouts"})
    if (cni::find_plugin(t, cni_path)) known += std::string(", ") + t;
  return known;
}

// ipam.type, or "" for an L2-only network (no addresses). The reference bridge reads a
// missing type as L2-only, and its L2 example is `"ipam": {}`: that stays so. But an ipam
// object with settings and no type is a forgotten type, not a wish for no addresses: ADD
// would succeed and leave the container without the addresses the user configured. DEL and
// GC release nothing for it, so they still run (an old L2 attachment must go away).
Result<std::string> ipam_type_of(const json& ipam, const cni::Env& env) {
  if (!ipam.is_object()) return fail(Code::kInvalidConfig, "invalid network config", "`ipam` must be an object");
  auto t = ipam.find("type");
  if (t != ipam.end() && !t->is_null()) {
    if (!t->is_string()) return fail(Code::kInvalidConfig, "invalid network config", "`ipam.type` must be a string");
    if (!t->get<std::string>().empty()) return t->get<std::string>();
  }
  if (ipam.empty() || env.command == "DEL" || env.command == "GC") return std::string();
  return fail(Code::kInvalidConfig, "missing ipam.type",
              "the `ipam` object has settings but no `type` naming the IPAM plugin; known types: " +
                  known_ipam_types(env.path) +
                  ". For a network without addresses, leave `ipam` out or empty ({})");
}

}  // namespace

std::string host_veth_name(const std::string& container_id, const std::string& ifname) {
  return "veth" + hex(fnv1a(container_id, ifname) >> 32, 8);
}

std::string attachment_tag(const std::string& network, const std::string& container_id,
                           const std::string& ifname) {
  return network + " " + hex(fnv1a(container_id, ifname), 16);
}

std::string host_veth_of_tag(const std::string& tag) {
  auto space = tag.rfind(' ');
  if (space == std::string::npos || tag.size() - space - 1 != 16) return {};
  return "veth" + tag.substr(space + 1, 8);
}

Result<Config> parse_config(const cni::Request& req) {
  const json& c = req.config;
  Config cfg;
  // Every nftables element carries attachment_tag(): the name, a space and 16 hex digits,
  // at most nft::kMaxTagLen bytes. A longer name would fail ADD half-way (after IPAM and
  // the links, rolled back): refuse it before anything is done.
  if (constexpr size_t kMax = nft::kMaxTagLen - 17; req.name.size() > kMax)
    return fail(Code::kInvalidConfig, "network name is too long for berth-bridge",
                std::to_string(req.name.size()) + " bytes; at most " + std::to_string(kMax) +
                    " (it tags berth's nftables elements)");
  if (auto it = c.find("bridge"); it != c.end() && !it->is_null()) {
    if (!it->is_string()) return fail(Code::kInvalidConfig, "invalid network config", "`bridge` must be a string");
    cfg.bridge = it->get<std::string>();
    if (auto ok = cni::validate_ifname(cfg.bridge); !ok)
      // The validator's details quote the name with control bytes escaped: a NUL or a
      // newline from the config never reaches a log line or the error as it is.
      return fail(Code::kInvalidConfig, "invalid bridge name", ok.error().what());
  }
  cfg.is_gateway = BERTH_TRY(get_bool(c, "isGateway", false));
  cfg.is_default_gateway = BERTH_TRY(get_bool(c, "isDefaultGateway", false));
  if (cfg.is_default_gateway) cfg.is_gateway = true;
  cfg.force_address = BERTH_TRY(get_bool(c, "forceAddress", false));
  cfg.ip_masq = BERTH_TRY(get_bool(c, "ipMasq", false));
  cfg.hairpin = BERTH_TRY(get_bool(c, "hairpinMode", false));
  cfg.promisc = BERTH_TRY(get_bool(c, "promiscMode", false));
  if (cfg.hairpin && cfg.promisc)
    return fail(Code::kInvalidConfig, "invalid network config", "`hairpinMode` and `promiscMode` cannot both be set");
  if (auto it = c.find("mtu"); it != c.end() && !it->is_null()) {
    if (!it->is_number_integer() || it->get<int64_t>() < 0 || it->get<int64_t>() > 65535)
      return fail(Code::kInvalidConfig, "invalid network config", "`mtu` must be a number from 0 to 65535");
    cfg.mtu = it->get<uint32_t>();
    if (cfg.mtu != 0 && cfg.mtu < 68)
      return fail(Code::kInvalidConfig, "invalid network config", "`mtu` must be at least 68");
  }
  if (auto it = c.find("vlan"); it != c.end() && !it->is_null()) {
    if (!it->is_number_integer() || it->get<int64_t>() < 0 || it->get<int64_t>() > 4094)
      return fail(Code::kInvalidConfig, "invalid network config", "`vlan` must be a number from 0 to 4094");
    cfg.vlan = it->get<uint16_t>();
  }
  cfg.preserve_default_vlan = BERTH_TRY(get_bool(c, "preserveDefaultVlan", false));
  cfg.internal = BERTH_TRY(get_bool(c, "internal", false));
  cfg.icc = BERTH_TRY(get_bool(c, "icc", true));
  cfg.macspoofchk = BERTH_TRY(get_bool(c, "macspoofchk", false));
  if (auto it = c.find("ipam"); it != c.end() && !it->is_null())
    cfg.ipam_type = BERTH_TRY(ipam_type_of(*it, req.env));
  if (auto it = c.find("dns"); it != c.end()) {
    auto d = cni::parse_dns(*it);
    if (!d) return fail(Code::kInvalidConfig, "invalid network config", d.error().details);
    cfg.dns = *d;
  }
  // Container MAC, in the reference's order of precedence.
  auto args = BERTH_TRY(cni::parse_cni_args(req.env.args));
  if (auto m = args.find("MAC"); m != args.end()) {
    json v = m->second;
    cfg.mac = BERTH_TRY(mac_from(&v, "CNI_ARGS MAC"));
  }
  if (auto a = c.find("args"); a != c.end() && a->is_object()) {
    if (auto cni_args = a->find("cni"); cni_args != a->end() && cni_args->is_object())
      if (auto m = BERTH_TRY(mac_from(cni::find_ci(*cni_args, "mac"), "args.cni.mac"))) cfg.mac = m;
  }
  if (auto rc = c.find("runtimeConfig"); rc != c.end() && rc->is_object()) {
    if (auto m = BERTH_TRY(mac_from(cni::find_ci(*rc, "mac"), "runtimeConfig.mac"))) cfg.mac = m;
    // DEL finds an attachment's ports by its tag, so a bad list must not block it.
    const json* pm = cni::find_ci(*rc, "portMappings");
    if (pm && (req.env.command == "ADD" || req.env.command == "CHECK"))
      cfg.ports = BERTH_TRY(parse_port_mappings(*pm));
  }
  if (auto p = c.find("prevResult"); p != c.end() && !p->is_null()) {
    auto r = cni::parse_result(*p, req.version);
    if (!r) return std::unexpected(r.error().wrap("prevResult"));
    cfg.prev_result = *r;
  }
  return cfg;
}

}  // namespace berth::bridge
