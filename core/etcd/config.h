// Where etcd is and how to reach it: the `store` object of berth-ipam's config and the
// `etcd` section of berth-node's, with one parser so both accept exactly the same keys.
//
//   {"type": "etcd",
//    "endpoints": ["https://10.0.0.1:2379", ...],   tried in turn; the first that answers wins
//    "prefix": "/berth",                            every key berth writes starts with it
//    "tls": {"ca": PEM, "cert": PEM, "key": PEM},   all optional; https endpoints only
//    "timeoutMs": 2000}                             one call, all retries included
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/etcd/http.h"

namespace berth::etcd {

inline constexpr const char* kDefaultPrefix = "/berth";
inline constexpr std::chrono::milliseconds kDefaultTimeout{2000};

struct Config {
  std::vector<std::string> endpoints;  // "http://host:port" or "https://host:port", no path
  std::string prefix = kDefaultPrefix;
  TlsFiles tls;
  std::chrono::milliseconds timeout = kDefaultTimeout;
};

// Parses `obj` (its `type` already known to be "etcd"); `where` names it in errors, e.g.
// "ipam.store". Code 7 naming the key for anything invalid: no endpoint, an endpoint that
// is not http(s)://host:port, TLS files given for an http endpoint or not readable, a
// prefix that is not an absolute key path, a timeout outside 1..60000 ms.
[[nodiscard]] Result<Config> parse_config(const nlohmann::json& obj, const std::string& where);

}  // namespace berth::etcd
