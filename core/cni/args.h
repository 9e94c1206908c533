// CNI_ARGS: "K=V;K=V". Known keys are kept; unknown keys are an error unless
// IgnoreUnknown is true (containerd, podman and kubelet always send it).
#pragma once

#include <map>
#include <span>
#include <string>
#include <string_view>

#include "core/error.h"

namespace berth::cni {

using CniArgs = std::map<std::string, std::string>;

// Keys every berth plugin accepts without IgnoreUnknown.
inline constexpr std::string_view kCommonArgKeys[] = {
    "IgnoreUnknown", "IP", "MAC", "K8S_POD_NAMESPACE", "K8S_POD_NAME",
    "K8S_POD_INFRA_CONTAINER_ID", "K8S_POD_UID"};

// Splits each pair at the first '='. Code 4 for a piece without '=' or with an empty key,
// or an unknown key without IgnoreUnknown.
[[nodiscard]] Result<CniArgs> parse_cni_args(std::string_view text);

}  // namespace berth::cni
