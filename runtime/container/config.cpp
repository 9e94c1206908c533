#include "runtime/container/config.h"

#include <algorithm>
#include <utility>

namespace berth::runtime {
namespace {

template <typename T>
void get_opt(const nlohmann::json& j, const char* key, T& out) {
  if (auto it = j.find(key); it != j.end() && !it->is_null()) it->get_to(out);
}

}  // namespace

std::string to_string(const RestartPolicy& p) {
  using K = RestartPolicy::Kind;
  switch (p.kind) {
    case K::kNo:
      return "no";
    case K::kAlways:
      return "always";
    case K::kUnlessStopped:
      return "unless-stopped";
    case K::kOnFailure:
      return p.max_retries ? "on-failure:" + std::to_string(p.max_retries) : "on-failure";
  }
  return "no";
}

bool should_restart(const RestartPolicy& p, int exit_code, int restarts, bool manually_stopped) {
  using K = RestartPolicy::Kind;
  if (manually_stopped) return false;
  switch (p.kind) {
    case K::kNo:
      return false;
    case K::kAlways:
    case K::kUnlessStopped:
      return true;
    case K::kOnFailure:
      return exit_code != 0 && (p.max_retries == 0 || restarts < p.max_retries);
  }
  return false;
}

int restart_delay_ms(int consecutive) {
  if (consecutive < 0) consecutive = 0;
  if (consecutive > 10) return 60000;
  return std::min(60000, 100 << consecutive);
}

void to_json(nlohmann::json& j, const RestartPolicy& p) {
  const char* names[] = {"no", "always", "unless-stopped", "on-failure"};
  j = {{"Name", names[int(p.kind)]}, {"MaximumRetryCount", p.max_retries}};
}

void from_json(const nlohmann::json& j, RestartPolicy& p) {
  using K = RestartPolicy::Kind;
  std::string name = j.value("Name", "no");
  p.kind = name == "always"           ? K::kAlways
           : name == "unless-stopped" ? K::kUnlessStopped
           : name == "on-failure"     ? K::kOnFailure
                                      : K::kNo;
  p.max_retries = j.value("MaximumRetryCount", 0);
}

void to_json(nlohmann::json& j, const ContainerConfig& c) {
  nlohmann::json vols = nlohmann::json::array();
  for (const auto& v : c.volumes)
    vols.push_back({{"Source", v.source}, {"Target", v.target}, {"ReadOnly", v.read_only}});
  j = {{"Image", c.image},
       {"Cmd", c.cmd},
       {"Env", c.env},
       {"WorkingDir", c.workdir},
       {"Hostname", c.hostname},
       {"NetworkMode", c.network},
       {"PortBindings", ports_to_json(c.ports)},
       {"ExposedPorts", c.exposed},
       {"Aliases", c.aliases},
       {"IPAddress", c.ip},
       {"MacAddress", c.mac},
       {"Volumes", vols},
       {"Memory", c.limits.memory},
       {"NanoCpus", c.limits.nano_cpus},
       {"PidsLimit", c.limits.pids},
       {"RestartPolicy", c.restart},
       {"AutoRemove", c.auto_remove},
       {"OpenStdin", c.interactive},
       {"Tty", c.tty},
       {"StopTimeout", c.stop_timeout}};
  if (!c.userns.empty()) {
    auto maps = [](const IdMap& m) {
      auto a = nlohmann::json::array();
      for (const auto& r : m) a.push_back(to_string(r));
      return a;
    };
    j["UsernsMode"] = c.userns;
    j["UidMap"] = maps(c.uid_map);
    j["GidMap"] = maps(c.gid_map);
  }
}

void from_json(const nlohmann::json& j, ContainerConfig& c) {
  get_opt(j, "Image", c.image);
  get_opt(j, "Cmd", c.cmd);
  get_opt(j, "Env", c.env);
  get_opt(j, "WorkingDir", c.workdir);
  get_opt(j, "Hostname", c.hostname);
  get_opt(j, "NetworkMode", c.network);
  if (auto it = j.find("PortBindings"); it != j.end()) c.ports = ports_from_json(*it);
  get_opt(j, "ExposedPorts", c.exposed);
  get_opt(j, "Aliases", c.aliases);
  get_opt(j, "IPAddress", c.ip);
  get_opt(j, "MacAddress", c.mac);
  c.volumes.clear();
  if (auto it = j.find("Volumes"); it != j.end() && it->is_array())
    for (const auto& v : *it)
      c.volumes.push_back(
          {v.value("Source", ""), v.value("Target", ""), v.value("ReadOnly", false)});
  get_opt(j, "Memory", c.limits.memory);
  get_opt(j, "NanoCpus", c.limits.nano_cpus);
  get_opt(j, "PidsLimit", c.limits.pids);
  get_opt(j, "RestartPolicy", c.restart);
  get_opt(j, "AutoRemove", c.auto_remove);
  get_opt(j, "OpenStdin", c.interactive);
  get_opt(j, "Tty", c.tty);
  get_opt(j, "StopTimeout", c.stop_timeout);
  get_opt(j, "UsernsMode", c.userns);
  for (auto [key, map] : {std::pair{"UidMap", &c.uid_map}, {"GidMap", &c.gid_map}}) {
    map->clear();
    if (auto it = j.find(key); it != j.end() && it->is_array())
      for (const auto& r : *it)
        if (auto range = parse_id_range(r.get<std::string>(), key)) map->push_back(*range);
  }
}

nlohmann::json port_to_json(const net::PortMapping& p) {
  return {{"HostIp", p.host_ip},
          {"HostPort", p.host_port},
          {"ContainerPort", p.container_port},
          {"Protocol", p.protocol}};
}

net::PortMapping port_from_json(const nlohmann::json& j) {
  net::PortMapping p;
  p.host_ip = j.value("HostIp", "");
  p.host_port = j.value("HostPort", uint16_t(0));
  p.container_port = j.value("ContainerPort", uint16_t(0));
  p.protocol = j.value("Protocol", "tcp");
  return p;
}

nlohmann::json ports_to_json(const std::vector<net::PortMapping>& ports) {
  auto a = nlohmann::json::array();
  for (const auto& p : ports) a.push_back(port_to_json(p));
  return a;
}

std::vector<net::PortMapping> ports_from_json(const nlohmann::json& j) {
  std::vector<net::PortMapping> out;
  if (j.is_array())
    for (const auto& p : j) out.push_back(port_from_json(p));
  return out;
}

}  // namespace berth::runtime
