// The CNI engine of the runtime (what libcni is to Go runtimes): runs a conflist's plugin
// chain for one attachment. ADD in list order, each plugin getting the previous result;
// DEL in reverse with the cached result; GC to every plugin. Plugins are exec'd in the
// calling thread's network namespace (the host's).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "runtime/network/conflist.h"
#include "runtime/network/exec.h"
#include "runtime/network/plugin_request.h"

namespace berth::runtime::net {

// One attachment's invocation data.
struct RuntimeConf {
  std::string container_id;
  std::string netns;  // "" on DEL when the namespace is gone
  std::string ifname;
  ArgPairs args;                                       // CNI_ARGS
  nlohmann::json cap_args = nlohmann::json::object();  // capability data, see capability_args()
};

// Next to the running binary, /opt/cni/bin, /usr/lib/cni.
[[nodiscard]] std::vector<std::string> default_plugin_dirs();

class Engine {
 public:
  Engine(std::vector<std::string> plugin_dirs, std::string cache_dir, ExecFn exec = exec_plugin);

  // Runs ADD through the chain. On success writes the result cache and returns the final
  // result. On failure returns the first plugin's error wrapped as
  // `plugin type="T" name="N" failed (add): msg`; no cache is written and nothing is
  // undone (the caller runs del(), as libcni's callers do).
  [[nodiscard]] Result<nlohmann::json> add(const ConfList& list, const RuntimeConf& rt);
  // Runs DEL in reverse order with `cached_result` (may be null) as prevResult. Every
  // plugin runs even after a failure; the errors are returned together. On success the
  // cache file is removed.
  [[nodiscard]] Result<> del(const ConfList& list, const RuntimeConf& rt,
                             const nlohmann::json& cached_result);
  // Sends GC to every plugin (list version >= 1.1.0 and not disableGC) with the still
  // valid attachments ([{containerID, ifname}]); continues after errors.
  [[nodiscard]] Result<> gc(const ConfList& list, const nlohmann::json& valid_attachments);

  [[nodiscard]] std::string cni_path() const;

 private:
  Result<std::string> invoke(const ConfList& list, const nlohmann::json& entry,
                             const PluginCall& call, const nlohmann::json& input);

  std::vector<std::string> plugin_dirs_;
  std::string cache_dir_;
  ExecFn exec_;
};

}  // namespace berth::runtime::net
