// The CNI result model berth uses internally (spec 1.1.0), and its JSON forms in
// every supported spec version. Parse any version in, emit the request's version out.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/ip.h"

namespace berth::cni {

using nlohmann::json;

struct Interface {
  std::string name;
  std::string mac;              // lower-case aa:bb:..; empty: none
  std::optional<uint32_t> mtu;  // 1.1.0 only
  std::string sandbox;          // CNI_NETNS for container-side links; empty on the host
  std::string socket_path;      // 1.1.0 only
  std::string pci_id;           // 1.1.0 only
};

struct IpConfig {
  Prefix address;                 // host bits kept: 10.88.0.5/16
  std::optional<IpAddr> gateway;
  std::optional<int> interface;   // index into interfaces; IPAM results leave it out
};

struct Route {
  Prefix dst;
  std::optional<IpAddr> gw;
  // 1.1.0 extras; emitted only in 1.1.0 results.
  std::optional<uint32_t> mtu, advmss, priority, table, scope;
};

struct Dns {
  std::vector<std::string> nameservers;
  std::string domain;
  std::vector<std::string> search;
  std::vector<std::string> options;
  [[nodiscard]] bool empty() const {
    return nameservers.empty() && domain.empty() && search.empty() && options.empty();
  }
};

struct CniResult {
  std::vector<Interface> interfaces;
  std::vector<IpConfig> ips;
  std::vector<Route> routes;
  Dns dns;
};

// Parses a result of any supported version (its own `cniVersion`, else `fallback_version`).
// Code 6 when a field has the wrong type or an address does not parse.
[[nodiscard]] Result<CniResult> parse_result(const json& j, std::string_view fallback_version);

// Serialises `r` in exactly `version` (0.3.x/0.4.0 add ips[].version, drop 1.1 fields).
[[nodiscard]] json result_to_json(const CniResult& r, std::string_view version);

// Parses a "dns" object of the config or a result.
[[nodiscard]] Result<Dns> parse_dns(const json& j);

// Object member lookup ignoring ASCII case, as Go's JSON decoder does (containerd sends
// "HostPort" for "hostPort"). Exact matches win. nullptr when absent or `obj` is no object.
const json* find_ci(const json& obj, std::string_view key);

}  // namespace berth::cni
