// What each plugin of a chain reads on stdin, built as libcni builds it: the list entry
// plus `name`, `cniVersion`, `prevResult` and a `runtimeConfig` holding only the
// capabilities the entry declares and the runtime has data for. Pure.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/network/conflist.h"
#include "runtime/network/network.h"

namespace berth::runtime::net {

using ArgPairs = std::vector<std::pair<std::string, std::string>>;

// The capability data of one attachment: portMappings ([{hostPort, containerPort,
// protocol, hostIP?}]), ips (plain address strings), mac, aliases; keys without data are
// left out.
[[nodiscard]] nlohmann::json capability_args(const AttachOptions& opts,
                                             const std::vector<PortMapping>& ports);
// The PortMappings back from capability args (for an Attachment read from the cache).
[[nodiscard]] std::vector<PortMapping> ports_from_capability_args(const nlohmann::json& cap_args);

// {"<cap>": data} for each `capabilities.<cap> == true` of `entry` present in `cap_args`;
// an empty object when none matches.
[[nodiscard]] nlohmann::json runtime_config(const nlohmann::json& entry,
                                            const nlohmann::json& cap_args);

// ADD/DEL/CHECK stdin. `prev_result` null: no prevResult key. `runtimeConfig` is left out
// when empty; `capabilities` and every other key of the entry are kept.
[[nodiscard]] nlohmann::json plugin_stdin(const ConfList& list, const nlohmann::json& entry,
                                          const nlohmann::json& prev_result,
                                          const nlohmann::json& cap_args);
// GC stdin: the entry plus name, cniVersion and the valid attachments under both keys
// (`cni.dev/valid-attachments` and the older `cni.dev/attachments`).
[[nodiscard]] nlohmann::json gc_stdin(const ConfList& list, const nlohmann::json& entry,
                                      const nlohmann::json& valid_attachments);

// CNI_ARGS: IgnoreUnknown=1 and, when the container has a name, K8S_POD_NAME=<name>
// (what podman sends, so plugins that resolve names can use it).
[[nodiscard]] ArgPairs cni_args_for(const std::string& container_name);
// "K=V;K=V".
[[nodiscard]] std::string format_cni_args(const ArgPairs& args);

}  // namespace berth::runtime::net
