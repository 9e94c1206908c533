// Runtime: what every container operation needs, bundled: the container store, the image
// store, the cgroup layout and a factory for the network side.
#pragma once

#include <functional>
#include <string>

#include "runtime/cgroup/cgroup.h"
#include "runtime/container/store.h"
#include "runtime/image/store.h"
#include "runtime/network/network.h"

namespace berth::runtime {

struct Runtime {
  explicit Runtime(const std::string& root, std::function<net::Networks()> make_networks)
      : store(root),
        images(root),
        cgroups(detect_cgroup_layout()),
        networks(std::move(make_networks)) {}

  Store store;
  ImageStore images;
  CgroupLayout cgroups;
  std::function<net::Networks()> networks;
};

// The network side's paths for a runtime rooted at `root`: the system defaults for
// /var/lib/berth, else everything under <root> so that separate roots never share state.
net::Paths network_paths(const std::string& root);

}  // namespace berth::runtime
