#include "runtime/container/state.h"

#include <array>

namespace berth::runtime {
namespace {

constexpr std::array<const char*, 7> kStatusNames = {"created", "running", "paused",  "restarting",
                                                     "exited",  "dead",    "removing"};

template <typename T>
void get_opt(const nlohmann::json& j, const char* key, T& out) {
  if (auto it = j.find(key); it != j.end() && !it->is_null()) it->get_to(out);
}

}  // namespace

std::string to_string(Status s) { return kStatusNames[size_t(s)]; }

std::optional<Status> parse_status(std::string_view s) {
  for (size_t i = 0; i < kStatusNames.size(); ++i)
    if (s == kStatusNames[i]) return Status(i);
  return std::nullopt;
}

bool is_active(Status s) {
  return s == Status::kRunning || s == Status::kPaused || s == Status::kRestarting;
}

void to_json(nlohmann::json& j, const NetAttachment& a) {
  j = {{"Network", a.network},
       {"IfName", a.ifname},
       {"IPAddress", a.ip},
       {"IPPrefixLen", a.prefix_len},
       {"Gateway", a.gateway},
       {"GlobalIPv6Address", a.ipv6},
       {"GlobalIPv6PrefixLen", a.ipv6_prefix_len},
       {"IPv6Gateway", a.ipv6_gateway},
       {"MacAddress", a.mac},
       {"Aliases", a.aliases},
       {"Ports", ports_to_json(a.ports)}};
}

void from_json(const nlohmann::json& j, NetAttachment& a) {
  get_opt(j, "Network", a.network);
  get_opt(j, "IfName", a.ifname);
  get_opt(j, "IPAddress", a.ip);
  get_opt(j, "IPPrefixLen", a.prefix_len);
  get_opt(j, "Gateway", a.gateway);
  get_opt(j, "GlobalIPv6Address", a.ipv6);
  get_opt(j, "GlobalIPv6PrefixLen", a.ipv6_prefix_len);
  get_opt(j, "IPv6Gateway", a.ipv6_gateway);
  get_opt(j, "MacAddress", a.mac);
  get_opt(j, "Aliases", a.aliases);
  if (auto it = j.find("Ports"); it != j.end()) a.ports = ports_from_json(*it);
}

void to_json(nlohmann::json& j, const State& s) {
  j = {{"Status", to_string(s.status)},
       {"Pid", s.pid},
       {"PidStart", s.pid_start},
       {"MonitorPid", s.monitor_pid},
       {"MonitorStart", s.monitor_start},
       {"ExitCode", s.exit_code},
       {"OOMKilled", s.oom_killed},
       {"Error", s.error},
       {"StartedAt", s.started_at},
       {"FinishedAt", s.finished_at},
       {"RestartCount", s.restart_count},
       {"ManuallyStopped", s.manually_stopped},
       {"NetNs", s.netns},
       {"Networks", s.networks}};
}

void from_json(const nlohmann::json& j, State& s) {
  s.status = parse_status(j.value("Status", "created")).value_or(Status::kDead);
  get_opt(j, "Pid", s.pid);
  get_opt(j, "PidStart", s.pid_start);
  get_opt(j, "MonitorPid", s.monitor_pid);
  get_opt(j, "MonitorStart", s.monitor_start);
  get_opt(j, "ExitCode", s.exit_code);
  get_opt(j, "OOMKilled", s.oom_killed);
  get_opt(j, "Error", s.error);
  get_opt(j, "StartedAt", s.started_at);
  get_opt(j, "FinishedAt", s.finished_at);
  get_opt(j, "RestartCount", s.restart_count);
  get_opt(j, "ManuallyStopped", s.manually_stopped);
  get_opt(j, "NetNs", s.netns);
  get_opt(j, "Networks", s.networks);
}

void to_json(nlohmann::json& j, const ConnectedNetwork& n) {
  j = {{"Network", n.network}, {"Aliases", n.aliases}, {"IPAddress", n.ip}};
}

void from_json(const nlohmann::json& j, ConnectedNetwork& n) {
  get_opt(j, "Network", n.network);
  get_opt(j, "Aliases", n.aliases);
  get_opt(j, "IPAddress", n.ip);
}

void to_json(nlohmann::json& j, const Container& c) {
  j = {{"Id", c.id},         {"Name", c.name},  {"Created", c.created}, {"ImageDir", c.image_dir},
       {"Config", c.config}, {"ConnectedNetworks", c.connected},
       {"OwnNetworkDetached", c.own_network_detached}, {"State", c.state}};
}

void from_json(const nlohmann::json& j, Container& c) {
  get_opt(j, "Id", c.id);
  get_opt(j, "Name", c.name);
  get_opt(j, "Created", c.created);
  get_opt(j, "ImageDir", c.image_dir);
  get_opt(j, "Config", c.config);
  get_opt(j, "ConnectedNetworks", c.connected);
  get_opt(j, "OwnNetworkDetached", c.own_network_detached);
  get_opt(j, "State", c.state);
}

}  // namespace berth::runtime
