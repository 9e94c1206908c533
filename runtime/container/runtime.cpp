#include "runtime/container/runtime.h"

namespace berth::runtime {

net::Paths network_paths(const std::string& root) {
  net::Paths p;
  if (root == "/var/lib/berth") return p;
  p.config_dir = root + "/net.d";
  p.state_dir = root + "/net";
  p.cache_dir = root + "/cni";
  p.ipam_data_dir = root + "/ipam";
  return p;
}

}  // namespace berth::runtime
