#include "runtime/network/conflist.h"

#include "core/cni/names.h"
#include "core/cni/version.h"

namespace berth::runtime::net {
namespace {

using nlohmann::json;

// libcni accepts booleans and the strings "true"/"false" in any case.
Result<bool> flag(const json& conf, const char* key) {
  auto it = conf.find(key);
  if (it == conf.end() || it->is_null()) return false;
  if (it->is_boolean()) return it->get<bool>();
  if (it->is_string()) {
    std::string v;
    for (char c : it->get<std::string>()) v += char(c >= 'A' && c <= 'Z' ? c + 32 : c);
    if (v == "true") return true;
    if (v == "false") return false;
  }
  return fail(Code::kInvalidConfig, "invalid network config",
              std::string("`") + key + "` must be a boolean");
}

// Spec 1.1: the highest version of cniVersion ∪ cniVersions that berth supports.
Result<std::string> select_version(const json& conf) {
  std::vector<std::string> listed;
  if (auto it = conf.find("cniVersion"); it != conf.end() && it->is_string()) listed.push_back(*it);
  if (auto it = conf.find("cniVersions"); it != conf.end() && it->is_array())
    for (const auto& v : *it)
      if (v.is_string()) listed.push_back(v);
  std::string best;
  for (const auto& v : listed) {
    if (!cni::is_supported_version(v)) continue;
    if (best.empty() || *cni::parse_version(v) > *cni::parse_version(best)) best = v;
  }
  if (best.empty()) {
    std::string all;
    for (const auto& v : listed) all += (all.empty() ? "" : ", ") + v;
    return fail(Code::kIncompatibleVersion, "incompatible CNI versions",
                "the list names [" + all + "]; berth supports 0.3.0 to 1.1.0");
  }
  return best;
}

}  // namespace

Result<ConfList> parse_conflist(std::string bytes) {
  ConfList c;
  c.conf = json::parse(bytes, nullptr, false);
  if (c.conf.is_discarded()) return fail(Code::kDecode, "network config is not valid JSON");
  if (!c.conf.is_object()) return fail(Code::kDecode, "network config is not a JSON object");
  c.bytes = std::move(bytes);
  auto name = c.conf.find("name");
  if (name == c.conf.end() || !name->is_string())
    return fail(Code::kInvalidConfig, "invalid network config", "`name` must be a string");
  c.name = *name;
  BERTH_TRY(cni::validate_network_name(c.name));
  c.version = BERTH_TRY(select_version(c.conf));
  c.disable_check = BERTH_TRY(flag(c.conf, "disableCheck"));
  c.disable_gc = BERTH_TRY(flag(c.conf, "disableGC"));
  auto plugins = c.conf.find("plugins");
  if (plugins == c.conf.end() || !plugins->is_array() || plugins->empty())
    return fail(Code::kInvalidConfig, "invalid network config",
                "`plugins` must be a non-empty list");
  for (const auto& p : *plugins) {
    auto type = p.is_object() ? p.find("type") : p.end();
    if (!p.is_object() || type == p.end() || !type->is_string() || type->get<std::string>().empty())
      return fail(Code::kInvalidConfig, "invalid network config",
                  "every plugin needs a `type` string");
    c.plugins.push_back(p);
  }
  return c;
}

}  // namespace berth::runtime::net
