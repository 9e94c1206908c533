#include "runtime/container/inspect.h"

#include <utility>

#include "runtime/container/clock.h"
#include "runtime/container/connect.h"

namespace berth::runtime {
namespace {

std::string host_ip(const net::PortMapping& p) { return p.host_ip.empty() ? "0.0.0.0" : p.host_ip; }
std::string port_key(const net::PortMapping& p) {
  return std::to_string(p.container_port) + "/" + p.protocol;
}

nlohmann::json state_json(const Container& c) {
  const State& s = c.state;
  return {{"Status", to_string(s.status)},
          {"Running", s.status == Status::kRunning || s.status == Status::kPaused},
          {"Paused", s.status == Status::kPaused},
          {"Restarting", s.status == Status::kRestarting},
          {"OOMKilled", s.oom_killed},
          {"Dead", s.status == Status::kDead},
          {"Pid", s.pid},
          {"ExitCode", s.exit_code},
          {"Error", s.error},
          {"StartedAt", s.started_at.empty() ? "0001-01-01T00:00:00Z" : s.started_at},
          {"FinishedAt", s.finished_at.empty() ? "0001-01-01T00:00:00Z" : s.finished_at}};
}

nlohmann::json network_settings(const Container& c) {
  nlohmann::json ports = nlohmann::json::object();
  for (const auto& e : c.config.exposed) ports[e] = nullptr;
  for (const auto& p : published_ports(c)) {
    auto& list = ports[port_key(p)];
    if (list.is_null()) list = nlohmann::json::array();
    list.push_back(
        {{"HostIp", host_ip(p)}, {"HostPort", p.host_port ? std::to_string(p.host_port) : ""}});
  }
  nlohmann::json nets = nlohmann::json::object();
  nlohmann::json primary;
  for (const auto& a : c.state.networks) {
    nets[a.network] = {{"IPAddress", a.ip},
                       {"IPPrefixLen", a.prefix_len},
                       {"Gateway", a.gateway},
                       {"GlobalIPv6Address", a.ipv6},
                       {"GlobalIPv6PrefixLen", a.ipv6_prefix_len},
                       {"IPv6Gateway", a.ipv6_gateway},
                       {"MacAddress", a.mac},
                       {"Aliases", a.aliases},
                       {"InterfaceName", a.ifname}};
    if (primary.is_null()) primary = nets[a.network];
  }
  // Its networks show while stopped too, without addresses (as Docker lists a stopped
  // container's networks): its own unless `network disconnect` took it, and connected ones.
  auto idle = [&](const std::string& network, const std::vector<std::string>& aliases) {
    if (!nets.contains(network))
      nets[network] = {{"IPAddress", ""},        {"IPPrefixLen", 0},       {"Gateway", ""},
                       {"GlobalIPv6Address", ""}, {"GlobalIPv6PrefixLen", 0}, {"IPv6Gateway", ""},
                       {"MacAddress", ""},        {"Aliases", aliases},     {"InterfaceName", ""}};
  };
  if (uses_plugins(c.config.network) && !c.own_network_detached)
    idle(c.config.network, c.config.aliases);
  for (const auto& n : c.connected) idle(n.network, n.aliases);
  nlohmann::json j = {{"SandboxKey", c.state.netns}, {"Ports", ports}, {"Networks", nets}};
  // Docker's top-level fields describe the default bridge (or the first network).
  for (const char* k : {"IPAddress", "IPPrefixLen", "Gateway", "MacAddress"})
    j[k] = primary.is_null()
               ? nlohmann::json(k == std::string("IPPrefixLen") ? nlohmann::json(0) : "")
               : primary[k];
  return j;
}

}  // namespace

std::vector<net::PortMapping> published_ports(const Container& c) {
  std::vector<net::PortMapping> out;
  for (const auto& a : c.state.networks) out.insert(out.end(), a.ports.begin(), a.ports.end());
  if (out.empty() && !is_active(c.state.status)) out = c.config.ports;
  return out;
}

nlohmann::json inspect_json(const Container& c, const std::optional<Usage>& usage) {
  const ContainerConfig& cfg = c.config;
  nlohmann::json args = nlohmann::json::array();
  for (size_t i = 1; i < cfg.cmd.size(); ++i) args.push_back(cfg.cmd[i]);
  nlohmann::json bindings = nlohmann::json::object();
  for (const auto& p : cfg.ports)
    bindings[port_key(p)].push_back(
        {{"HostIp", p.host_ip}, {"HostPort", p.host_port ? std::to_string(p.host_port) : ""}});
  nlohmann::json binds = nlohmann::json::array();
  for (const auto& v : cfg.volumes)
    binds.push_back(v.source + ":" + v.target + (v.read_only ? ":ro" : ""));
  nlohmann::json exposed = nlohmann::json::object();
  for (const auto& e : cfg.exposed) exposed[e] = nlohmann::json::object();
  nlohmann::json j = {{"Id", c.id},
                      {"Created", c.created},
                      {"Path", cfg.cmd.empty() ? "" : cfg.cmd[0]},
                      {"Args", args},
                      {"State", state_json(c)},
                      {"Image", cfg.image},
                      {"Name", "/" + c.name},
                      {"RestartCount", c.state.restart_count},
                      {"HostConfig",
                       {{"NetworkMode", cfg.network},
                        {"PortBindings", bindings},
                        {"Binds", binds},
                        {"RestartPolicy", cfg.restart},
                        {"AutoRemove", cfg.auto_remove},
                        {"Memory", cfg.limits.memory},
                        {"NanoCpus", cfg.limits.nano_cpus},
                        {"PidsLimit", cfg.limits.pids},
                        {"UsernsMode", cfg.userns}}},
                      {"Config",
                       {{"Hostname", cfg.hostname.empty() ? c.id.substr(0, 12) : cfg.hostname},
                        {"Env", cfg.env},
                        {"Cmd", cfg.cmd},
                        {"Image", cfg.image},
                        {"WorkingDir", cfg.workdir},
                        {"ExposedPorts", exposed},
                        {"Tty", cfg.tty},
                        {"OpenStdin", cfg.interactive},
                        {"StopTimeout", cfg.stop_timeout}}},
                      {"NetworkSettings", network_settings(c)}};
  if (!cfg.userns.empty()) {  // as podman: "container:host:size" per range
    for (auto [key, map] : {std::pair{"UidMap", &cfg.uid_map}, {"GidMap", &cfg.gid_map}})
      for (const auto& r : *map) j["HostConfig"]["IDMappings"][key].push_back(to_string(r));
  }
  if (usage)
    j["Usage"] = {{"MemoryBytes", usage->memory},
                  {"MemoryLimitBytes", usage->memory_limit},
                  {"Pids", usage->pids},
                  {"CpuNanoseconds", usage->cpu_ns}};
  return j;
}

std::string status_text(const Container& c, double now) {
  auto ago = [&](const std::string& t) {
    auto s = parse_rfc3339(t);
    return human_duration(s ? now - *s : 0);
  };
  const State& s = c.state;
  switch (s.status) {
    case Status::kCreated:
      return "Created";
    case Status::kRunning:
      return "Up " + ago(s.started_at);
    case Status::kPaused:
      return "Up " + ago(s.started_at) + " (Paused)";
    case Status::kRestarting:
      return "Restarting (" + std::to_string(s.exit_code) + ") " + ago(s.finished_at) + " ago";
    case Status::kExited:
      return "Exited (" + std::to_string(s.exit_code) + ") " + ago(s.finished_at) + " ago";
    case Status::kDead:
      return "Dead";
    case Status::kRemoving:
      return "Removal In Progress";
  }
  return "";
}

std::string ports_text(const Container& c) {
  std::string out;
  if (!is_active(c.state.status)) return out;
  for (const auto& p : published_ports(c)) {
    if (!out.empty()) out += ", ";
    out += host_ip(p) + ":" + std::to_string(p.host_port) + "->" + port_key(p);
  }
  return out;
}

std::string command_text(const Container& c, size_t width) {
  std::string cmd;
  for (const auto& a : c.config.cmd) cmd += (cmd.empty() ? "" : " ") + a;
  if (cmd.size() > width) cmd = cmd.substr(0, width - 1) + "…";
  return "\"" + cmd + "\"";
}

std::vector<std::string> port_lines(const Container& c, const std::string& filter) {
  std::vector<std::string> out;
  std::string want = filter;
  if (!want.empty() && want.find('/') == std::string::npos) want += "/tcp";
  for (const auto& p : published_ports(c)) {
    if (!want.empty() && port_key(p) != want) continue;
    std::string host = host_ip(p) + ":" + std::to_string(p.host_port);
    out.push_back(want.empty() ? port_key(p) + " -> " + host : host);
  }
  return out;
}

Result<std::string> render_format(const std::string& format, const nlohmann::json& j) {
  std::string out;
  size_t pos = 0;
  for (;;) {
    size_t open = format.find("{{", pos);
    if (open == std::string::npos) break;
    size_t close = format.find("}}", open);
    if (close == std::string::npos)
      return fail(Code::kInvalidConfig, "unclosed {{ in format `" + format + "`");
    out += format.substr(pos, open - pos);
    std::string expr = format.substr(open + 2, close - open - 2);
    while (!expr.empty() && expr.front() == ' ') expr.erase(0, 1);
    while (!expr.empty() && expr.back() == ' ') expr.pop_back();
    bool as_json = expr.starts_with("json ");
    if (as_json) expr = expr.substr(5);
    while (!expr.empty() && expr.front() == ' ') expr.erase(0, 1);
    if (expr.empty() || expr[0] != '.')
      return fail(Code::kInvalidConfig, "unsupported format expression `" + expr + "`",
                  "berth understands {{.Field.Sub}} and {{json .Field}}");
    const nlohmann::json* v = &j;
    for (size_t s = 1; s < expr.size();) {
      size_t dot = expr.find('.', s);
      std::string key = expr.substr(s, dot == std::string::npos ? dot : dot - s);
      if (!v->is_object() || !v->contains(key)) {
        static const nlohmann::json kNull;
        v = &kNull;
        break;
      }
      v = &(*v)[key];
      if (dot == std::string::npos) break;
      s = dot + 1;
    }
    if (as_json)
      out += v->dump();
    else if (v->is_string())
      out += v->get<std::string>();
    else if (v->is_null())
      out += "<no value>";
    else
      out += v->dump();
    pos = close + 2;
  }
  return out + format.substr(pos);
}

}  // namespace berth::runtime
