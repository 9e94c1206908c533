// The libcni-compatible result cache: <cache_dir>/results/<network>-<containerID>-<ifname>,
// JSON of kind cniCacheV1, so libcni-based tools (cnitool, podman) and berth can clean up
// after each other. The cache is also berth's record of which containers use a network.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"

namespace berth::runtime::net {

struct CacheEntry {
  std::string container_id;
  std::string config;  // the conflist bytes exactly as used for ADD ("" in a pre-cniCacheV1 file)
  std::string ifname;
  std::string network;
  std::string netns;
  std::vector<std::pair<std::string, std::string>> cni_args;
  nlohmann::json capability_args = nlohmann::json::object();
  nlohmann::json result;  // the final ADD result
};

// {"kind":"cniCacheV1","containerId","config"(base64),"ifName","networkName","netns",
//  "cniArgs":[[k,v],...],"capabilityArgs":{...},"result":{...}}
[[nodiscard]] nlohmann::json cache_to_json(const CacheEntry& e);
// Accepts cniCacheV1 and a bare result (older libcni: only `result` is filled). Code 6.
[[nodiscard]] Result<CacheEntry> cache_from_json(const nlohmann::json& j);

[[nodiscard]] std::string cache_path(const std::string& cache_dir, const std::string& network,
                                     const std::string& container_id, const std::string& ifname);

// Writes atomically (temp file + rename): results/ is 0700, the file 0600. Code 5.
[[nodiscard]] Result<> write_cache(const std::string& cache_dir, const CacheEntry& e);
// nullopt when there is no file. Code 5/6 when it cannot be read or parsed.
[[nodiscard]] Result<std::optional<CacheEntry>> read_cache(const std::string& cache_dir,
                                                           const std::string& network,
                                                           const std::string& container_id,
                                                           const std::string& ifname);
// Success when the file is already gone.
[[nodiscard]] Result<> remove_cache(const std::string& cache_dir, const std::string& network,
                                    const std::string& container_id, const std::string& ifname);
// Every readable cniCacheV1 entry of `network`; unreadable files are skipped (they may be
// another tool's half-written file).
[[nodiscard]] Result<std::vector<CacheEntry>> list_cache(const std::string& cache_dir,
                                                         const std::string& network);

}  // namespace berth::runtime::net
