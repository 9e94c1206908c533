// berth-container's commands and config. The joiner's CNI_NETNS must be the target
// container's namespace; ADD records the joiner, DEL forgets it, and nothing ever
// touches the target's network (its own attachments belong to other plugins).
#pragma once

#include <optional>
#include <string>

#include "core/cni/skel.h"
#include "core/cni/types.h"
#include "core/error.h"

namespace berth::container {

inline constexpr const char* kDefaultStateDir = "/run/berth/container";

struct Config {
  std::string target;        // target container: CNI_ARGS BERTH_CONTAINER, else `container`
  std::string target_netns;  // its netns path: CNI_ARGS BERTH_TARGET_NETNS, else `targetNetns`
  std::string state_dir = kDefaultStateDir;  // `stateDir`
  std::optional<cni::CniResult> prev_result;
};

// Code 7 for a bad config value, 4 for bad CNI_ARGS. The target is only required where
// `need_target` (ADD, CHECK); DEL and GC work from the record alone.
[[nodiscard]] Result<Config> parse_config(const cni::Request& req, bool need_target);

Result<cni::CniResult> cmd_add(const cni::Request& req);
Result<> cmd_del(const cni::Request& req);
Result<> cmd_check(const cni::Request& req);
Result<> cmd_gc(const cni::Request& req);

}  // namespace berth::container
