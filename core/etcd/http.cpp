#include "core/etcd/http.h"

#include "core/etcd/curl_api.h"

namespace berth::etcd {

struct Connection::Impl {
  const CurlApi* api = nullptr;
  CURL* handle = nullptr;
  curl_slist* headers = nullptr;
  TlsFiles tls;
  char error[CURL_ERROR_SIZE] = {};

  ~Impl() {
    if (!api) return;
    if (handle) api->easy_cleanup(handle);
    if (headers) api->slist_free_all(headers);
  }
};

namespace {

using Impl = Connection::Impl;

// What a failed transfer means for the caller (see http.h).
Code classify(CURLcode rc) {
  switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
      return Code::kTryAgainLater;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_CRL_BADFILE:
      return Code::kInvalidConfig;
    default:
      return Code::kStore;
  }
}

std::unexpected<Error> transfer_error(const Impl& c, const std::string& url, CURLcode rc) {
  std::string why = c.error[0] ? c.error : c.api->easy_strerror(rc);
  Code code = classify(rc);
  // Under TLS 1.3 a server that refuses our certificate (or wants one) says so with an
  // alert after the handshake, which libcurl reports as a failed read: not worth retrying.
  if (code == Code::kTryAgainLater && why.find("SSL") != std::string::npos &&
      (why.find("alert") != std::string::npos || why.find("certificate") != std::string::npos)) {
    code = Code::kInvalidConfig;
    why = "etcd refused the TLS session (client certificate missing, or not signed by the CA it trusts): " + why;
  }
  return fail(code, "POST " + url + ": " + c.api->easy_strerror(rc), why);
}

// Options shared by both kinds of request; the handle keeps its connection between them.
Result<> prepare(Impl& c, const std::string& url, std::string_view body) {
  if (!c.api) c.api = BERTH_TRY(curl_api());
  const CurlApi& a = *c.api;
  if (!c.handle) {
    c.handle = a.easy_init();
    if (!c.handle) return fail(Code::kStore, "curl_easy_init failed");
    c.headers = a.slist_append(nullptr, "Content-Type: application/json");
    c.headers = a.slist_append(c.headers, "Expect:");  // no 100-continue round trip
  }
  CURL* h = c.handle;
  c.error[0] = '\0';
  a.easy_setopt(h, CURLOPT_ERRORBUFFER, c.error);
  a.easy_setopt(h, CURLOPT_NOSIGNAL, 1L);         // timeouts without SIGALRM (threads)
  a.easy_setopt(h, CURLOPT_PROXY, "");            // never an http_proxy from the environment
  a.easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  a.easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  a.easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
  a.easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);    // a dead peer ends a quiet stream
  a.easy_setopt(h, CURLOPT_TCP_KEEPIDLE, 5L);
  a.easy_setopt(h, CURLOPT_TCP_KEEPINTVL, 2L);
  a.easy_setopt(h, CURLOPT_HTTPHEADER, c.headers);
  a.easy_setopt(h, CURLOPT_URL, url.c_str());
  a.easy_setopt(h, CURLOPT_POSTFIELDS, body.data());
  a.easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  if (!c.tls.ca.empty()) a.easy_setopt(h, CURLOPT_CAINFO, c.tls.ca.c_str());
  if (!c.tls.cert.empty()) a.easy_setopt(h, CURLOPT_SSLCERT, c.tls.cert.c_str());
  if (!c.tls.key.empty()) a.easy_setopt(h, CURLOPT_SSLKEY, c.tls.key.c_str());
  return {};
}

size_t append_body(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

struct Stream {
  std::string pending;  // bytes after the last newline
  const std::function<bool(std::string_view)>* on_line;
  const std::function<bool()>* keep_going;
  bool ended_by_caller = false;
};

size_t stream_lines(char* data, size_t size, size_t n, void* user) {
  auto* s = static_cast<Stream*>(user);
  s->pending.append(data, size * n);
  size_t start = 0;
  for (size_t nl; (nl = s->pending.find('\n', start)) != std::string::npos; start = nl + 1) {
    std::string_view line(s->pending.data() + start, nl - start);
    if (line.find_first_not_of(" \r\t") == std::string_view::npos) continue;
    if (!(*s->on_line)(line)) {
      s->ended_by_caller = true;
      return 0;  // aborts the transfer
    }
  }
  s->pending.erase(0, start);
  return size * n;
}

int stream_progress(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* s = static_cast<Stream*>(user);
  if ((*s->keep_going)()) return 0;
  s->ended_by_caller = true;
  return 1;  // aborts the transfer
}

}  // namespace

Connection::Connection(TlsFiles tls) : impl_(std::make_unique<Impl>()) { impl_->tls = std::move(tls); }
Connection::~Connection() = default;
Connection::Connection(Connection&&) noexcept = default;
Connection& Connection::operator=(Connection&&) noexcept = default;

Result<HttpResponse> Connection::post(const std::string& url, std::string_view body,
                                      std::chrono::milliseconds timeout) {
  Impl& c = *impl_;
  BERTH_TRY(prepare(c, url, body));
  const CurlApi& a = *c.api;
  HttpResponse r;
  long ms = std::max<long>(1, timeout.count());
  a.easy_setopt(c.handle, CURLOPT_TIMEOUT_MS, ms);
  a.easy_setopt(c.handle, CURLOPT_CONNECTTIMEOUT_MS, ms);
  a.easy_setopt(c.handle, CURLOPT_NOPROGRESS, 1L);
  a.easy_setopt(c.handle, CURLOPT_WRITEFUNCTION, append_body);
  a.easy_setopt(c.handle, CURLOPT_WRITEDATA, &r.body);
  if (CURLcode rc = a.easy_perform(c.handle); rc != CURLE_OK) return transfer_error(c, url, rc);
  a.easy_getinfo(c.handle, CURLINFO_RESPONSE_CODE, &r.status);
  return r;
}

Result<long> Connection::post_stream(const std::string& url, std::string_view body,
                                     std::chrono::milliseconds connect_timeout,
                                     const std::function<bool(std::string_view)>& on_line,
                                     const std::function<bool()>& keep_going) {
  Impl& c = *impl_;
  BERTH_TRY(prepare(c, url, body));
  const CurlApi& a = *c.api;
  Stream s{.pending = {}, .on_line = &on_line, .keep_going = &keep_going};
  a.easy_setopt(c.handle, CURLOPT_TIMEOUT_MS, 0L);
  a.easy_setopt(c.handle, CURLOPT_CONNECTTIMEOUT_MS, std::max<long>(1, connect_timeout.count()));
  a.easy_setopt(c.handle, CURLOPT_WRITEFUNCTION, stream_lines);
  a.easy_setopt(c.handle, CURLOPT_WRITEDATA, &s);
  a.easy_setopt(c.handle, CURLOPT_NOPROGRESS, 0L);
  a.easy_setopt(c.handle, CURLOPT_XFERINFOFUNCTION, stream_progress);
  a.easy_setopt(c.handle, CURLOPT_XFERINFODATA, &s);
  CURLcode rc = a.easy_perform(c.handle);
  a.easy_setopt(c.handle, CURLOPT_NOPROGRESS, 1L);
  long status = 0;
  a.easy_getinfo(c.handle, CURLINFO_RESPONSE_CODE, &status);
  if (rc != CURLE_OK && !s.ended_by_caller) return transfer_error(c, url, rc);
  return status;
}

}  // namespace berth::etcd
