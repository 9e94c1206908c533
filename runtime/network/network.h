// The runtime's networking: berth's networks are CNI conflists in its config directory,
// and containers are attached to them exactly as a CNI runtime (libcni) does it: plugins
// found through a CNI path, chained in order for ADD and in reverse for DEL, results
// cached libcni-style, capability args passed as runtimeConfig.
// This header is the contract between the container side of the runtime and the network
// side; both are written against it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/ip.h"

namespace berth::runtime::net {

// Where things live. Defaults are for root on a real host; tests point all of them
// into a temporary directory.
struct Paths {
  std::string config_dir = "/etc/berth/net.d";   // <name>.conflist, one per network
  std::string state_dir = "/var/lib/berth/net";  // runtime-side network state (locks, attachments)
  std::string cache_dir = "/var/lib/cni";        // libcni-compatible results/<net>-<id>-<ifname>
  // CNI_PATH; empty: next to the berth binary, /opt/cni/bin, /usr/lib/cni.
  std::vector<std::string> plugin_dirs;
  // berth-ipam's `dataDir` in new conflists; "": the plugin's default (/var/lib/cni/networks).
  std::string ipam_data_dir;
};

// The default network every `berth run` joins unless told otherwise, and its Linux bridge.
inline constexpr const char* kDefaultNetwork = "bridge";
inline constexpr const char* kDefaultBridge = "berth0";

// One -p / --publish mapping. host_port 0: pick a free port at attach time.
struct PortMapping {
  uint16_t host_port = 0;
  uint16_t container_port = 0;
  std::string protocol = "tcp";  // tcp, udp, sctp
  std::string host_ip;           // "" = every host address
  friend bool operator==(const PortMapping&, const PortMapping&) = default;
};

// Docker's -p syntax: containerPort, hostPort:containerPort, ip:hostPort:containerPort,
// ip::containerPort, each with an optional /tcp|/udp|/sctp and port ranges (8000-8001:80-81).
// IPv6 host IPs in brackets: [::1]:8080:80. Code 7 with a clear message on bad input.
[[nodiscard]] Result<std::vector<PortMapping>> parse_publish(std::string_view spec);

struct NetworkInfo {
  std::string name;
  std::string id;                // stable 64-hex id (Docker-like), first 12 shown by `network ls`
  std::string driver;            // "bridge"
  std::string bridge;            // Linux bridge name, e.g. berth0 or br-<id12>
  std::vector<Prefix> subnets;   // network prefixes (no host bits), one per IPAM range set
  std::vector<IpAddr> gateways;  // gateways[i] belongs to subnets[i]
  std::vector<std::string> ip_ranges;  // --ip-range CIDRs as created (top-level "berth.ipRanges")
  bool internal = false;
  bool icc = true;
  nlohmann::json conflist;  // the file's content
};

struct CreateOptions {
  std::string name;
  std::string driver = "bridge";
  std::vector<std::string> subnets;    // CIDRs; empty: pick a free /16 from the pool
  std::vector<std::string> gateways;   // optional, per subnet
  std::vector<std::string> ip_ranges;  // optional --ip-range, per subnet
  bool internal = false;
  bool icc = true;  // -o icc=false sets false
  bool ipv6 = false;
};

struct AttachOptions {
  std::string ifname = "eth0";
  std::vector<PortMapping> ports;    // -> runtimeConfig.portMappings
  std::optional<IpAddr> ip;          // --ip -> runtimeConfig.ips
  std::string mac;                   // --mac-address -> runtimeConfig.mac
  std::vector<std::string> aliases;  // --network-alias + the container name
  std::string container_name;        // for CNI_ARGS K8S_POD_NAME-like info and aliases
};

// What an attachment got (from the final CNI result).
struct Attachment {
  std::string network;
  std::string ifname;
  std::vector<Prefix> addresses;  // container addresses, host bits kept
  std::vector<IpAddr> gateways;
  std::string mac;
  std::vector<PortMapping> ports;  // host ports resolved (no 0 left)
  nlohmann::json result;           // the final CNI result as cached
};

class Networks {
 public:
  explicit Networks(Paths paths);

  // The default network "bridge" (Linux bridge berth0) exists afterwards; its subnet is
  // picked from a pool so that it overlaps no route of the host. Cheap when it exists
  // (one file read, no lock); creation holds the networks lock.
  [[nodiscard]] Result<NetworkInfo> ensure_default();
  // Writes <config_dir>/<name>.conflist under the networks lock. Code 7 for a bad or
  // reserved name (bridge, host, none), an existing name, a driver other than bridge, bad
  // CIDRs, or a subnet overlapping another network (the message names it).
  [[nodiscard]] Result<NetworkInfo> create(const CreateOptions& opts);
  // Every berth network, sorted by name.
  [[nodiscard]] Result<std::vector<NetworkInfo>> list();
  // By name, full id or unique id prefix. Code 7 "no such network".
  [[nodiscard]] Result<NetworkInfo> inspect(const std::string& name_or_id);
  // Refuses (code 7) while containers are attached ("network X has active endpoints: c1,
  // c2") and for the default network. Else deletes the conflist, then (best effort,
  // failures only logged) GCs the plugins with no valid attachment, deletes the Linux
  // bridge and berth-ipam's empty store directory.
  [[nodiscard]] Result<> remove(const std::string& name_or_id);

  // Runs the network's plugin chain ADD for the container (plugins exec'd in the calling
  // thread's netns, the host's). Host ports 0 are replaced by free ones first. On failure
  // runs DEL so that nothing is left, and returns the plugin's error (its code, message
  // wrapped as `plugin type="T" name="N" failed (add): ...`). Code 7 when the container
  // already has `opts.ifname` on this network, 4 for a bad container ID or ifname.
  [[nodiscard]] Result<Attachment> attach(const std::string& container_id,
                                          const std::string& netns_path, const std::string& network,
                                          const AttachOptions& opts);
  // Runs DEL in reverse order with the cached result as prevResult and the cached config,
  // CNI_ARGS and capability args (portMappings again); removes the cache entry. Success
  // when nothing is cached. The netns used is `netns_path`, not the cached one (a cached
  // /proc/<pid>/ns/net may name another process by now); empty when the netns is gone.
  [[nodiscard]] Result<> detach(const std::string& container_id, const std::string& netns_path,
                                const std::string& network, const std::string& ifname);
  // Attachments recorded for a network (for `network inspect`, `network rm`): pairs of
  // (container ID, ifname), read from the result cache.
  [[nodiscard]] Result<std::vector<std::pair<std::string, std::string>>> attachments(
      const std::string& network);

  // The same with what each attachment got; `container_name` comes from the K8S_POD_NAME
  // CNI_ARG recorded at attach time ("" when none was given).
  struct Endpoint {
    std::string container_id;
    std::string container_name;
    Attachment attachment;
  };
  [[nodiscard]] Result<std::vector<Endpoint>> endpoints(const std::string& network);
  // What attach() recorded for (container, network, ifname); nullopt when not attached.
  [[nodiscard]] Result<std::optional<Attachment>> cached(const std::string& container_id,
                                                         const std::string& network,
                                                         const std::string& ifname);
  // Removes every network without attachments except the default one; returns their names.
  [[nodiscard]] Result<std::vector<std::string>> prune();

 private:
  Paths paths_;
};

}  // namespace berth::runtime::net
