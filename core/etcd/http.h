// HTTP/1.1 POST of JSON over libcurl, plain or TLS, for etcd's JSON gateway. One
// Connection keeps its TCP (and TLS) session across requests to the same endpoint; it
// is not thread-safe (a watch uses a Connection of its own).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "core/error.h"

namespace berth::etcd {

// PEM files. Empty ca: the system's trust store; empty cert/key: no client certificate.
struct TlsFiles {
  std::string ca;
  std::string cert;
  std::string key;
};

struct HttpResponse {
  long status = 0;
  std::string body;
};

// Errors of a request, by what the caller should do about them:
//   kTryAgainLater  the endpoint could not be reached or did not answer in time: try
//                   another endpoint, or again later
//   kInvalidConfig  TLS refused (a certificate that does not verify, an unreadable or
//                   mismatched key): retrying cannot help
//   kStore          anything else libcurl reports
class Connection {
 public:
  explicit Connection(TlsFiles tls);
  ~Connection();
  Connection(Connection&&) noexcept;
  Connection& operator=(Connection&&) noexcept;

  // POSTs `body` (JSON) to `url` and waits at most `timeout` for the whole answer.
  [[nodiscard]] Result<HttpResponse> post(const std::string& url, std::string_view body,
                                          std::chrono::milliseconds timeout);

  // POSTs `body` and hands each line of the answer to `on_line` as it arrives, with no
  // overall time limit: for streams (watch). `on_line` returns false to end the stream;
  // `keep_going` is polled about every 100 ms and ends it when it returns false.
  // Returns the HTTP status once the stream ends.
  [[nodiscard]] Result<long> post_stream(const std::string& url, std::string_view body,
                                         std::chrono::milliseconds connect_timeout,
                                         const std::function<bool(std::string_view)>& on_line,
                                         const std::function<bool()>& keep_going);

  struct Impl;  // libcurl's handle and options (http.cpp)

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace berth::etcd
