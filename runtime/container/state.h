// A container's record: identity, config and the mutable state the CLI and the
// monitor share through <root>/containers/<id>/state.json.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "runtime/container/config.h"

namespace berth::runtime {

enum class Status { kCreated, kRunning, kPaused, kRestarting, kExited, kDead, kRemoving };

std::string to_string(Status s);
std::optional<Status> parse_status(std::string_view s);

// One network the container is attached to, as the plugins answered.
struct NetAttachment {
  std::string network;
  std::string ifname;  // eth0, eth1, ...
  std::string ip;      // "172.18.0.2", "" when none
  int prefix_len = 0;
  std::string gateway;
  std::string ipv6;
  int ipv6_prefix_len = 0;
  std::string ipv6_gateway;
  std::string mac;
  std::vector<std::string> aliases;
  std::vector<net::PortMapping> ports;  // host ports resolved
  friend bool operator==(const NetAttachment&, const NetAttachment&) = default;
};

// A network joined with `network connect`: kept across stops and restarts and attached
// again at every start, after the container's own network (as eth1, eth2, ...).
struct ConnectedNetwork {
  std::string network;
  std::vector<std::string> aliases;  // --alias; the container's name is added at attach
  std::string ip;                    // --ip; "" lets IPAM choose
  friend bool operator==(const ConnectedNetwork&, const ConnectedNetwork&) = default;
};

struct State {
  Status status = Status::kCreated;
  int pid = 0;             // container init, host pid; 0: none
  uint64_t pid_start = 0;  // its start time (/proc/<pid>/stat field 22), guards pid reuse
  int monitor_pid = 0;     // the process that reaps init (the CLI for a foreground run)
  uint64_t monitor_start = 0;
  int exit_code = 0;
  bool oom_killed = false;
  std::string error;       // why the last start failed, or why the monitor vanished
  std::string started_at;  // RFC 3339, "" before the first start
  std::string finished_at;
  int restart_count = 0;
  bool manually_stopped = false;  // stop/kill: the restart policy must not restart it
  std::string netns;              // bind-mounted netns file while running; "" otherwise
  std::vector<NetAttachment> networks;
  friend bool operator==(const State&, const State&) = default;
};

struct Container {
  std::string id;
  std::string name;
  std::string created;    // RFC 3339
  std::string image_dir;  // the image's directory when created (its rootfs is the lower layer)
  ContainerConfig config;
  std::vector<ConnectedNetwork> connected;  // changed by network connect/disconnect only
  // `network disconnect` from its own (--net) network: as with Docker it stays off that
  // network across stop, start and restarts, until `network connect` brings it back.
  bool own_network_detached = false;
  State state;
  friend bool operator==(const Container&, const Container&) = default;
};

// Running, paused or restarting: a monitor should be looking after it.
bool is_active(Status s);

void to_json(nlohmann::json& j, const NetAttachment& a);
void from_json(const nlohmann::json& j, NetAttachment& a);
void to_json(nlohmann::json& j, const ConnectedNetwork& n);
void from_json(const nlohmann::json& j, ConnectedNetwork& n);
void to_json(nlohmann::json& j, const State& s);
void from_json(const nlohmann::json& j, State& s);
void to_json(nlohmann::json& j, const Container& c);
void from_json(const nlohmann::json& j, Container& c);

}  // namespace berth::runtime
