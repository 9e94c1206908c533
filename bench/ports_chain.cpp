#include "bench/ports_chain.h"

#include <cstdio>
#include <cstdlib>

#include "bench/spawn.h"

namespace berth::bench {
namespace {

using nlohmann::json;

// Debian's containernetworking-plugins 1.1.1 speak up to 1.0.0; berth speaks it too.
constexpr const char* kCniVersion = "1.0.0";

json mappings_json(const std::vector<PortMapping>& ports) {
  json list = json::array();
  for (const auto& p : ports)
    list.push_back(
        {{"hostPort", p.host_port}, {"containerPort", p.container_port}, {"protocol", p.protocol}});
  return list;
}

[[noreturn]] void stop(const std::string& chain, const std::string& what, const Exec& e) {
  std::fprintf(stderr,
               "berth-bench-ports: %s: %s failed with exit code %d\n--- stdout ---\n%s\n--- stderr "
               "---\n%s\n",
               chain.c_str(), what.c_str(), e.exit_code, e.out.c_str(), e.err.c_str());
  std::exit(1);
}

}  // namespace

std::string Chain::stdin_for(const ChainPlugin& p, const std::vector<PortMapping>& ports,
                             const json& prev) const {
  json conf = p.conf;
  conf["cniVersion"] = kCniVersion;
  conf["name"] = "bench-" + name_;
  // libcni hands a plugin the runtimeConfig of the capabilities its entry declares.
  if (conf.contains("capabilities") && conf["capabilities"].value("portMappings", false))
    conf["runtimeConfig"] = {{"portMappings", mappings_json(ports)}};
  if (!prev.is_null()) conf["prevResult"] = prev;
  return conf.dump();
}

ChainRun Chain::run(const char* command, const std::string& id, const std::string& netns,
                    const std::vector<PortMapping>& ports, const std::string& del_prev) const {
  const bool add = std::string(command) == "ADD";
  const std::vector<std::string> env = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin",
                                        std::string("CNI_COMMAND=") + command,
                                        "CNI_CONTAINERID=" + id,
                                        "CNI_NETNS=" + netns,
                                        "CNI_IFNAME=eth0",
                                        "CNI_PATH=" + cni_path_};
  ChainRun out;
  json prev = add || del_prev.empty() ? json() : json::parse(del_prev);
  for (size_t k = 0; k < plugins_.size(); ++k) {
    const ChainPlugin& p = plugins_[add ? k : plugins_.size() - 1 - k];
    const std::string input = stdin_for(p, ports, prev);  // built before the clock starts
    Exec e = spawn(p.exe, env, input);
    if (e.exit_code != 0 || (add && e.out.empty()))
      stop(name_, std::string(command) + " " + p.exe + " " + id, e);
    out.ms += e.ms;
    out.cpu_ms += e.cpu_ms;
    if (add) {
      prev = json::parse(e.out);
      out.result = std::move(e.out);
    }
  }
  return out;
}

ChainRun Chain::add(const std::string& id, const std::string& netns,
                    const std::vector<PortMapping>& ports) const {
  return run("ADD", id, netns, ports, "");
}

ChainRun Chain::del(const std::string& id, const std::string& netns,
                    const std::vector<PortMapping>& ports, const std::string& add_result) const {
  return run("DEL", id, netns, ports, add_result);
}

Chain berth_chain(const std::string& bin, const std::string& bridge, const std::string& subnet) {
  json conf = {{"type", "berth-bridge"},
               {"bridge", bridge},
               {"isGateway", true},
               {"isDefaultGateway", true},  // replies to the outside host go through the host
               {"capabilities", {{"portMappings", true}}},
               {"ipam", {{"type", "berth-ipam"}, {"subnet", subnet}}}};
  return Chain("berth", bin, {{bin + "/berth-bridge", conf}});
}

Chain reference_chain(const std::string& ref_dir, const std::string& bridge,
                      const std::string& subnet) {
  json bridge_conf = {{"type", "bridge"},
                      {"bridge", bridge},
                      {"isGateway", true},
                      {"isDefaultGateway", true},
                      {"ipam", {{"type", "host-local"}, {"subnet", subnet}}}};
  // portmap's defaults otherwise: snat on (hairpin), iptables (its only backend in 1.1.1).
  json portmap_conf = {{"type", "portmap"}, {"capabilities", {{"portMappings", true}}}};
  return Chain("reference", ref_dir,
               {{ref_dir + "/bridge", bridge_conf}, {ref_dir + "/portmap", portmap_conf}});
}

std::vector<PortMapping> tcp_ports(int count, int host_port_base, int container_port_base) {
  std::vector<PortMapping> out;
  for (int i = 0; i < count; ++i)
    out.push_back({host_port_base + i, container_port_base + i, "tcp"});
  return out;
}

}  // namespace berth::bench
