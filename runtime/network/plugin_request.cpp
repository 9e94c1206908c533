#include "runtime/network/plugin_request.h"

#include "core/cni/types.h"

namespace berth::runtime::net {

using nlohmann::json;

json capability_args(const AttachOptions& opts, const std::vector<PortMapping>& ports) {
  json caps = json::object();
  if (!ports.empty()) {
    json list = json::array();
    for (const auto& p : ports) {
      json m = {
          {"hostPort", p.host_port}, {"containerPort", p.container_port}, {"protocol", p.protocol}};
      if (!p.host_ip.empty()) m["hostIP"] = p.host_ip;
      list.push_back(std::move(m));
    }
    caps["portMappings"] = std::move(list);
  }
  if (opts.ip) caps["ips"] = json::array({opts.ip->str()});
  if (!opts.mac.empty()) caps["mac"] = opts.mac;
  if (!opts.aliases.empty()) caps["aliases"] = opts.aliases;
  return caps;
}

std::vector<PortMapping> ports_from_capability_args(const json& cap_args) {
  std::vector<PortMapping> out;
  const json* list = cni::find_ci(cap_args, "portMappings");
  if (!list || !list->is_array()) return out;
  for (const auto& m : *list) {
    PortMapping p;
    if (const json* v = cni::find_ci(m, "hostPort"); v && v->is_number_unsigned())
      p.host_port = v->get<uint16_t>();
    if (const json* v = cni::find_ci(m, "containerPort"); v && v->is_number_unsigned())
      p.container_port = v->get<uint16_t>();
    if (const json* v = cni::find_ci(m, "protocol"); v && v->is_string())
      p.protocol = v->get<std::string>();
    if (const json* v = cni::find_ci(m, "hostIP"); v && v->is_string())
      p.host_ip = v->get<std::string>();
    out.push_back(std::move(p));
  }
  return out;
}

json runtime_config(const json& entry, const json& cap_args) {
  json rc = json::object();
  auto caps = entry.find("capabilities");
  if (caps == entry.end() || !caps->is_object() || !cap_args.is_object()) return rc;
  for (const auto& [key, declared] : caps->items()) {
    if (!declared.is_boolean() || !declared.get<bool>()) continue;
    if (auto data = cap_args.find(key); data != cap_args.end()) rc[key] = *data;
  }
  return rc;
}

json plugin_stdin(const ConfList& list, const json& entry, const json& prev_result,
                  const json& cap_args) {
  json in = entry;
  in["name"] = list.name;
  in["cniVersion"] = list.version;
  if (!prev_result.is_null())
    in["prevResult"] = prev_result;
  else
    in.erase("prevResult");
  if (json rc = runtime_config(entry, cap_args); !rc.empty()) in["runtimeConfig"] = std::move(rc);
  return in;
}

json gc_stdin(const ConfList& list, const json& entry, const json& valid_attachments) {
  json in = entry;
  in["name"] = list.name;
  in["cniVersion"] = list.version;
  in["cni.dev/valid-attachments"] = valid_attachments;
  in["cni.dev/attachments"] = valid_attachments;
  return in;
}

ArgPairs cni_args_for(const std::string& container_name) {
  ArgPairs args{{"IgnoreUnknown", "1"}};
  if (!container_name.empty()) args.emplace_back("K8S_POD_NAME", container_name);
  return args;
}

std::string format_cni_args(const ArgPairs& args) {
  std::string out;
  for (const auto& [k, v] : args) out += (out.empty() ? "" : ";") + k + "=" + v;
  return out;
}

}  // namespace berth::runtime::net
