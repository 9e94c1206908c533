// /metrics in Prometheus' text format over plain HTTP, one request at a time (a scrape
// every few seconds needs no more). Serves until `stop` is set.
#pragma once

#include <atomic>
#include <functional>
#include <string>

#include "core/error.h"

namespace berth::node {

class MetricsServer {
 public:
  // Binds `address` ("host:port", IPv4 or [IPv6]). Code 7 when it cannot be parsed, 5 when
  // it cannot be bound.
  [[nodiscard]] static Result<MetricsServer> bind(const std::string& address);
  MetricsServer(MetricsServer&&) noexcept;
  ~MetricsServer();

  // Answers GET /metrics with render() until `stop`; anything else gets 404.
  void serve(const std::function<std::string()>& render, const std::atomic<bool>& stop);

 private:
  explicit MetricsServer(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace berth::node
