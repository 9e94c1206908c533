// One network's plugin chain exec'd the way libcni runs a conflist: ADD runs the plugins
// in order, each later one getting the previous result as prevResult and the
// runtimeConfig of the capabilities it declares; DEL runs them in reverse, each getting the
// cached final ADD result as prevResult. Used by berth-bench-ports for berth-bridge alone
// and for the reference bridge + host-local -> portmap chain.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace berth::bench {

struct PortMapping {
  int host_port = 0;
  int container_port = 0;
  std::string protocol = "tcp";
};

// One plugin of the chain: its binary and its conflist entry (without cniVersion/name).
struct ChainPlugin {
  std::string exe;
  nlohmann::json conf;
};

// What a runtime waited for: the chain's execs added up, and the final result (ADD).
struct ChainRun {
  double ms = 0;
  double cpu_ms = 0;  // user + system of every plugin process and the children it reaped
  std::string result;
};

class Chain {
 public:
  Chain(std::string name, std::string cni_path, std::vector<ChainPlugin> plugins)
      : name_(std::move(name)), cni_path_(std::move(cni_path)), plugins_(std::move(plugins)) {}

  const std::string& name() const { return name_; }

  // Both stop the benchmark (exit 1, the plugin's output on stderr) when a plugin fails:
  // a timing of a failed attachment would mean nothing.
  ChainRun add(const std::string& id, const std::string& netns,
               const std::vector<PortMapping>& ports) const;
  ChainRun del(const std::string& id, const std::string& netns,
               const std::vector<PortMapping>& ports, const std::string& add_result) const;

 private:
  // The stdin of one plugin: its entry with cniVersion, name, the runtimeConfig of its
  // capabilities and prevResult.
  std::string stdin_for(const ChainPlugin& p, const std::vector<PortMapping>& ports,
                        const nlohmann::json& prev) const;
  ChainRun run(const char* command, const std::string& id, const std::string& netns,
               const std::vector<PortMapping>& ports, const std::string& del_prev) const;

  std::string name_;
  std::string cni_path_;
  std::vector<ChainPlugin> plugins_;
};

// berth-bridge with berth-ipam from `bin`, publishing ports itself.
Chain berth_chain(const std::string& bin, const std::string& bridge, const std::string& subnet);
// Debian's containernetworking-plugins from `ref_dir`: bridge + host-local, then portmap.
Chain reference_chain(const std::string& ref_dir, const std::string& bridge,
                      const std::string& subnet);

// `count` TCP mappings host_port_base + i -> container_port_base + i.
std::vector<PortMapping> tcp_ports(int count, int host_port_base, int container_port_base);

}  // namespace berth::bench
