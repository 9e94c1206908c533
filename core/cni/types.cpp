#include "core/cni/types.h"

#include <strings.h>
#include <sys/socket.h>

#include "core/cni/version.h"

namespace berth::cni {

const json* find_ci(const json& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  if (auto it = obj.find(key); it != obj.end()) return &*it;
  for (auto it = obj.begin(); it != obj.end(); ++it) {
    if (it.key().size() == key.size() &&
        strncasecmp(it.key().data(), key.data(), key.size()) == 0)
      return &*it;
  }
  return nullptr;
}

namespace {

std::string fmt_where(std::string_view where, std::string_view key, std::string_view what) {
  return std::string(where) + "." + std::string(key) + " " + std::string(what);
}

Result<std::string> get_string(const json& obj, std::string_view key, std::string_view where) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::string();
  if (!it->is_string())
    return fail(Code::kDecode, "decode result", fmt_where(where, key, "must be a string"));
  return it->get<std::string>();
}

Result<std::optional<uint32_t>> get_uint(const json& obj, std::string_view key,
                                         std::string_view where) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::optional<uint32_t>();
  if (!it->is_number_unsigned() && !(it->is_number_integer() && it->get<int64_t>() >= 0))
    return fail(Code::kDecode, "decode result", fmt_where(where, key, "must be a number >= 0"));
  // get<uint32_t> would silently keep the low 32 bits of a larger number (found by fuzzing).
  if (it->get<uint64_t>() > UINT32_MAX)
    return fail(Code::kDecode, "decode result",
                fmt_where(where, key, "must be at most 4294967295"));
  return std::optional<uint32_t>(it->get<uint32_t>());
}

Result<std::vector<std::string>> get_strings(const json& obj, std::string_view key) {
  std::vector<std::string> out;
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return out;
  if (!it->is_array())
    return fail(Code::kDecode, "decode dns", "`" + std::string(key) + "` must be a list");
  for (const auto& v : *it) {
    if (!v.is_string())
      return fail(Code::kDecode, "decode dns", "`" + std::string(key) + "` must hold strings");
    out.push_back(v.get<std::string>());
  }
  return out;
}

}  // namespace

Result<Dns> parse_dns(const json& j) {
  Dns d;
  if (j.is_null()) return d;
  if (!j.is_object()) return fail(Code::kDecode, "decode dns", "`dns` must be an object");
  d.nameservers = BERTH_TRY(get_strings(j, "nameservers"));
  d.domain = BERTH_TRY(get_string(j, "domain", "dns"));
  d.search = BERTH_TRY(get_strings(j, "search"));
  d.options = BERTH_TRY(get_strings(j, "options"));
  return d;
}

Result<CniResult> parse_result(const json& j, std::string_view fallback_version) {
  if (!j.is_object()) return fail(Code::kDecode, "decode result", "a result must be a JSON object");
  CniResult r;
  if (auto it = j.find("interfaces"); it != j.end() && !it->is_null()) {
    if (!it->is_array()) return fail(Code::kDecode, "decode result", "`interfaces` must be a list");
    for (const auto& ji : *it) {
      if (!ji.is_object())
        return fail(Code::kDecode, "decode result", "an interface must be an object");
      Interface i;
      i.name = BERTH_TRY(get_string(ji, "name", "interfaces[]"));
      i.mac = BERTH_TRY(get_string(ji, "mac", "interfaces[]"));
      i.mtu = BERTH_TRY(get_uint(ji, "mtu", "interfaces[]"));
      i.sandbox = BERTH_TRY(get_string(ji, "sandbox", "interfaces[]"));
      i.socket_path = BERTH_TRY(get_string(ji, "socketPath", "interfaces[]"));
      i.pci_id = BERTH_TRY(get_string(ji, "pciID", "interfaces[]"));
      r.interfaces.push_back(std::move(i));
    }
  }
  if (auto it = j.find("ips"); it != j.end() && !it->is_null()) {
    if (!it->is_array()) return fail(Code::kDecode, "decode result", "`ips` must be a list");
    for (const auto& jip : *it) {
      if (!jip.is_object()) return fail(Code::kDecode, "decode result", "an ip must be an object");
      IpConfig c;
      auto addr = BERTH_TRY(get_string(jip, "address", "ips[]"));
      auto p = Prefix::parse(addr);
      if (!p) return fail(Code::kDecode, "decode result", "ips[].address `" + addr + "` is no CIDR");
      c.address = *p;
      auto gw = BERTH_TRY(get_string(jip, "gateway", "ips[]"));
      if (!gw.empty()) {
        c.gateway = IpAddr::parse(gw);
        if (!c.gateway)
          return fail(Code::kDecode, "decode result", "ips[].gateway `" + gw + "` is no address");
      }
      if (auto idx = jip.find("interface"); idx != jip.end() && !idx->is_null()) {
        // An index fits an int; get<int> would wrap a larger one (found by fuzzing).
        if (!idx->is_number_integer() || idx->get<int64_t>() < 0 || idx->get<int64_t>() > INT32_MAX)
          return fail(Code::kDecode, "decode result", "ips[].interface must be an index");
        c.interface = idx->get<int>();
      }
      r.ips.push_back(c);
    }
  }
  if (auto it = j.find("routes"); it != j.end() && !it->is_null()) {
    if (!it->is_array()) return fail(Code::kDecode, "decode result", "`routes` must be a list");
    for (const auto& jr : *it) {
      if (!jr.is_object()) return fail(Code::kDecode, "decode result", "a route must be an object");
      Route rt;
      auto dst = BERTH_TRY(get_string(jr, "dst", "routes[]"));
      auto p = Prefix::parse(dst);
      if (!p) return fail(Code::kDecode, "decode result", "routes[].dst `" + dst + "` is no CIDR");
      rt.dst = *p;
      auto gw = BERTH_TRY(get_string(jr, "gw", "routes[]"));
      if (!gw.empty()) {
        rt.gw = IpAddr::parse(gw);
        if (!rt.gw) return fail(Code::kDecode, "decode result", "routes[].gw `" + gw + "` is no address");
      }
      rt.mtu = BERTH_TRY(get_uint(jr, "mtu", "routes[]"));
      rt.advmss = BERTH_TRY(get_uint(jr, "advmss", "routes[]"));
      rt.priority = BERTH_TRY(get_uint(jr, "priority", "routes[]"));
      rt.table = BERTH_TRY(get_uint(jr, "table", "routes[]"));
      rt.scope = BERTH_TRY(get_uint(jr, "scope", "routes[]"));
      r.routes.push_back(rt);
    }
  }
  if (auto it = j.find("dns"); it != j.end()) r.dns = BERTH_TRY(parse_dns(*it));
  (void)fallback_version;  // every supported version shares this shape
  return r;
}

json result_to_json(const CniResult& r, std::string_view version) {
  const bool v1 = version_at_least(version, "1.0.0");
  const bool v11 = version_at_least(version, "1.1.0");
  json j = json::object();
  j["cniVersion"] = std::string(version);
  if (!r.interfaces.empty()) {
    json list = json::array();
    for (const auto& i : r.interfaces) {
      json ji = {{"name", i.name}};
      if (!i.mac.empty()) ji["mac"] = i.mac;
      if (v11 && i.mtu) ji["mtu"] = *i.mtu;
      if (!i.sandbox.empty()) ji["sandbox"] = i.sandbox;
      if (v11 && !i.socket_path.empty()) ji["socketPath"] = i.socket_path;
      if (v11 && !i.pci_id.empty()) ji["pciID"] = i.pci_id;
      list.push_back(std::move(ji));
    }
    j["interfaces"] = std::move(list);
  }
  if (!r.ips.empty()) {
    json list = json::array();
    for (const auto& c : r.ips) {
      json jc = json::object();
      if (!v1) jc["version"] = c.address.addr.is_v4() ? "4" : "6";
      jc["address"] = c.address.str();
      if (c.gateway) jc["gateway"] = c.gateway->str();
      if (c.interface) jc["interface"] = *c.interface;
      list.push_back(std::move(jc));
    }
    j["ips"] = std::move(list);
  }
  if (!r.routes.empty()) {
    json list = json::array();
    for (const auto& rt : r.routes) {
      json jr = {{"dst", rt.dst.str()}};
      if (rt.gw) jr["gw"] = rt.gw->str();
      if (v11) {
        if (rt.mtu) jr["mtu"] = *rt.mtu;
        if (rt.advmss) jr["advmss"] = *rt.advmss;
        if (rt.priority) jr["priority"] = *rt.priority;
        if (rt.table) jr["table"] = *rt.table;
        if (rt.scope) jr["scope"] = *rt.scope;
      }
      list.push_back(std::move(jr));
    }
    j["routes"] = std::move(list);
  }
  if (!r.dns.empty() || !v1) {  // 0.x results always carry "dns" (Go's quirk; clients expect it)
    json d = json::object();
    if (!r.dns.nameservers.empty()) d["nameservers"] = r.dns.nameservers;
    if (!r.dns.domain.empty()) d["domain"] = r.dns.domain;
    if (!r.dns.search.empty()) d["search"] = r.dns.search;
    if (!r.dns.options.empty()) d["options"] = r.dns.options;
    j["dns"] = std::move(d);
  }
  return j;
}

}  // namespace berth::cni
