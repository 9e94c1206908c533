// The berth-ipam configuration: the request's `ipam` object plus the runtime-provided
// inputs (runtimeConfig.ipRanges, requested addresses). Parsing validates everything
// before any lease is touched; every failure is code 7 naming the key and its value.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/cni/types.h"
#include "core/error.h"
#include "core/ip.h"
#include "core/ipam/store.h"
#include "ipam/cluster_config.h"
#include "ipam/range_set.h"

namespace berth::ipam {

inline constexpr std::string_view kDefaultDataDir = "/var/lib/cni/networks";

struct IpamConfig {
  // In allocation order: runtimeConfig.ipRanges, the legacy top-level range, `ranges`.
  // The index of a set names its last_reserved_ip.<n> file.
  std::vector<RangeSet> sets;
  std::vector<cni::Route> routes;  // copied into the result
  cni::Dns dns;                    // from `resolvConf`, when set
  std::string data_dir = std::string(kDefaultDataDir);
  // Set for the cluster store (ipam.store.type etcd): `sets` is then empty, and the
  // node's blocks are the ranges.
  std::optional<ClusterConfig> cluster;
};

// The range sets and routes alone, each range checked, but routes not judged by where
// their gw lies: parse_config() checks that for any consumer, berth-bridge more strictly.
struct Addressing {
  std::vector<RangeSet> sets;
  std::vector<cni::Route> routes;
};
[[nodiscard]] Result<Addressing> parse_addressing(const nlohmann::json& request);

// Parses and validates all of it (ADD, CHECK, STATUS). Reads `resolvConf` from disk.
[[nodiscard]] Result<IpamConfig> parse_config(const nlohmann::json& request);

// Only ipam.dataDir (DEL and GC: they must work even when the ranges have become invalid,
// because releasing needs nothing else).
[[nodiscard]] Result<std::string> parse_data_dir(const nlohmann::json& request);

// Requested addresses, merged and de-duplicated from runtimeConfig.ips, args.cni.ips and
// CNI_ARGS IP= (comma-separated). A /prefix on an entry is ignored. Code 7 for a bad entry
// in the config, code 4 for a bad CNI_ARGS.
[[nodiscard]] Result<std::vector<IpAddr>> requested_ips(const nlohmann::json& request,
                                                        std::string_view cni_args);

// GC's list of attachments still in use: `cni.dev/valid-attachments`, else the older
// `cni.dev/attachments`; neither present means none. Code 7 for a malformed entry (GC must
// not guess: a misread entry would free a live container's address).
[[nodiscard]] Result<std::vector<Attachment>> valid_attachments(const nlohmann::json& request);

}  // namespace berth::ipam
