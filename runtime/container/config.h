// What a container was created with (Docker's Config + HostConfig, flattened): set by
// `create`/`run`, never changed afterwards, stored in the container's state.json.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "runtime/network/network.h"
#include "runtime/process/idmap.h"

namespace berth::runtime {

struct RestartPolicy {
  enum class Kind { kNo, kAlways, kUnlessStopped, kOnFailure };
  Kind kind = Kind::kNo;
  int max_retries = 0;  // on-failure only; 0: unlimited
  friend bool operator==(const RestartPolicy&, const RestartPolicy&) = default;
};

// One -v: a bind mount of a host path (or of a named volume under <root>/volumes).
struct Volume {
  std::string source;  // absolute host path, or a volume name (no '/')
  std::string target;  // absolute path inside the container
  bool read_only = false;
  friend bool operator==(const Volume&, const Volume&) = default;
};

struct Limits {
  int64_t memory = 0;     // bytes; 0: unlimited
  int64_t nano_cpus = 0;  // CPUs * 1e9, as Docker stores --cpus; 0: unlimited
  int64_t pids = 0;       // 0: unlimited
  friend bool operator==(const Limits&, const Limits&) = default;
};

struct ContainerConfig {
  std::string image;               // normalized reference, "busybox:latest"
  std::vector<std::string> cmd;    // argv; empty: the image's default
  std::vector<std::string> env;    // K=V, after the image's
  std::string workdir;             // empty: the image's, else "/"
  std::string hostname;            // empty: the short ID (host mode: the host's)
  std::string network = "bridge";  // bridge, host, none, container:<id>, or a network name
  std::vector<net::PortMapping> ports;
  std::vector<std::string> exposed;  // "80/tcp": --expose and the image's
  std::vector<std::string> aliases;  // --network-alias
  std::string ip;                    // --ip
  std::string mac;                   // --mac-address
  std::vector<Volume> volumes;
  Limits limits;
  RestartPolicy restart;
  bool auto_remove = false;  // --rm
  bool interactive = false;  // -i
  bool tty = false;          // -t
  int stop_timeout = 10;     // seconds between SIGTERM and SIGKILL
  std::string userns;        // "": the host's (no user namespace); "auto" or "private"
  IdMap uid_map, gid_map;    // with a user namespace (userns_config.h); auto: allocated
  friend bool operator==(const ContainerConfig&, const ContainerConfig&) = default;
};

// "no", "always", "unless-stopped", "on-failure[:N]".
std::string to_string(const RestartPolicy& p);
// Whether a container that just exited with `exit_code`, after `restarts` restarts so far,
// is started again. Never after stop/kill (`manually_stopped`).
bool should_restart(const RestartPolicy& p, int exit_code, int restarts, bool manually_stopped);
// Docker's back-off before restart number `consecutive` (0-based): 100 ms doubling, at
// most a minute.
int restart_delay_ms(int consecutive);

void to_json(nlohmann::json& j, const RestartPolicy& p);
void from_json(const nlohmann::json& j, RestartPolicy& p);
void to_json(nlohmann::json& j, const ContainerConfig& c);
void from_json(const nlohmann::json& j, ContainerConfig& c);

// Port mappings as stored here. Named functions rather than ADL to_json, so that they can
// never collide with the network side's own serialisation of the same type.
nlohmann::json port_to_json(const net::PortMapping& p);
net::PortMapping port_from_json(const nlohmann::json& j);
nlohmann::json ports_to_json(const std::vector<net::PortMapping>& ports);
std::vector<net::PortMapping> ports_from_json(const nlohmann::json& j);

}  // namespace berth::runtime
