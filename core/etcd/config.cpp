#include "core/etcd/config.h"

#include <unistd.h>

#include "core/cni/names.h"
#include "core/cni/types.h"

namespace berth::etcd {
namespace {

using nlohmann::json;

std::unexpected<Error> bad(const std::string& key, const std::string& value, std::string why) {
  return fail(Code::kInvalidConfig, "invalid " + key + " `" + value + "`", std::move(why));
}

// http(s)://host:port with nothing after the port: the gateway's paths are ours to add.
Result<> check_endpoint(const std::string& url, const std::string& key) {
  std::string_view rest = url;
  if (rest.starts_with("http://")) rest.remove_prefix(7);
  else if (rest.starts_with("https://")) rest.remove_prefix(8);
  else return bad(key, url, "must start with http:// or https://");
  auto colon = rest.rfind(':');
  if (colon == std::string_view::npos || colon == 0)
    return bad(key, url, "must be scheme://host:port (etcd listens on 2379 by default)");
  auto port = rest.substr(colon + 1);
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string_view::npos ||
      std::stoi(std::string(port)) == 0 || std::stoi(std::string(port)) > 65535)
    return bad(key, url, "has no valid port after the host");
  if (rest.substr(0, colon).find_first_of("/?#@ ") != std::string_view::npos)
    return bad(key, url, "must be scheme://host:port with no path, user or query");
  return {};
}

Result<std::string> optional_file(const json& tls, const char* name, const std::string& where) {
  const json* v = cni::find_ci(tls, name);
  if (!v || v->is_null()) return std::string();
  const std::string key = where + "." + name;
  if (!v->is_string()) return bad(key, v->dump(), "must be the path of a PEM file");
  auto path = v->get<std::string>();
  if (path.empty()) return path;
  BERTH_TRY(cni::validate_dir_path(path, key));
  if (access(path.c_str(), R_OK) != 0) return bad(key, path, "cannot be read");
  return path;
}

}  // namespace

Result<Config> parse_config(const json& obj, const std::string& where) {
  if (!obj.is_object()) return bad(where, obj.dump(), "must be an object");
  Config c;
  const json* eps = cni::find_ci(obj, "endpoints");
  if (!eps || !eps->is_array() || eps->empty())
    return fail(Code::kInvalidConfig, "missing " + where + ".endpoints",
                "give etcd's client URLs as a list, e.g. [\"https://10.0.0.1:2379\"]");
  bool any_https = false;
  for (size_t i = 0; i < eps->size(); ++i) {
    const std::string key = where + ".endpoints[" + std::to_string(i) + "]";
    if (!(*eps)[i].is_string()) return bad(key, (*eps)[i].dump(), "must be a string");
    auto url = (*eps)[i].get<std::string>();
    BERTH_TRY(check_endpoint(url, key));
    any_https |= url.starts_with("https://");
    c.endpoints.push_back(url);
  }
  if (const json* p = cni::find_ci(obj, "prefix"); p && !p->is_null()) {
    if (!p->is_string()) return bad(where + ".prefix", p->dump(), "must be a string");
    c.prefix = p->get<std::string>();
    if (c.prefix.size() < 2 || c.prefix[0] != '/' || c.prefix.back() == '/' ||
        c.prefix.find_first_of(std::string("\0\n", 2)) != std::string::npos)
      return bad(where + ".prefix", c.prefix, "must be a key path like /berth (no trailing /)");
  }
  if (const json* t = cni::find_ci(obj, "tls"); t && !t->is_null()) {
    if (!t->is_object()) return bad(where + ".tls", t->dump(), "must be an object {ca, cert, key}");
    c.tls.ca = BERTH_TRY(optional_file(*t, "ca", where + ".tls"));
    c.tls.cert = BERTH_TRY(optional_file(*t, "cert", where + ".tls"));
    c.tls.key = BERTH_TRY(optional_file(*t, "key", where + ".tls"));
    if (c.tls.cert.empty() != c.tls.key.empty())
      return fail(Code::kInvalidConfig, "invalid " + where + ".tls",
                  "a client certificate needs its key: give both `cert` and `key`, or neither");
    bool any_file = !c.tls.ca.empty() || !c.tls.cert.empty();
    if (any_file && !any_https)
      return fail(Code::kInvalidConfig, "invalid " + where + ".tls",
                  "TLS files are given but every endpoint is http://; use https:// endpoints");
  }
  if (const json* t = cni::find_ci(obj, "timeoutMs"); t && !t->is_null()) {
    if (!t->is_number_integer() || t->get<int64_t>() < 1 || t->get<int64_t>() > 60000)
      return bad(where + ".timeoutMs", t->dump(), "must be an integer from 1 to 60000");
    c.timeout = std::chrono::milliseconds(t->get<int64_t>());
  }
  return c;
}

}  // namespace berth::etcd
