#include "core/etcd/client.h"

#include <algorithm>
#include <thread>

#include <spdlog/spdlog.h>

#include "core/base64.h"

namespace berth::etcd {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr std::chrono::milliseconds kFirstBackoff{25};
constexpr std::chrono::milliseconds kMaxBackoff{400};
// The least one attempt gets of the call's timeout (see Client::call).
constexpr std::chrono::milliseconds kMinAttempt{200};

// The gateway writes int64 as JSON strings (proto3 JSON mapping) and omits zero values.
int64_t as_i64(const json& obj, const char* name) {
  auto it = obj.find(name);
  if (it == obj.end() || it->is_null()) return 0;
  if (it->is_number_integer()) return it->get<int64_t>();
  if (it->is_string()) {
    try {
      return std::stoll(it->get<std::string>());
    } catch (...) {
      return 0;
    }
  }
  return 0;
}

std::string bytes_of(const json& obj, const char* name) {
  auto it = obj.find(name);
  if (it == obj.end() || !it->is_string()) return {};
  return base64_decode(it->get<std::string>()).value_or(std::string());
}

KeyValue kv_of(const json& j) {
  return {bytes_of(j, "key"),          bytes_of(j, "value"),      as_i64(j, "create_revision"),
          as_i64(j, "mod_revision"), as_i64(j, "version"), as_i64(j, "lease")};
}

std::vector<KeyValue> kvs_of(const json& j) {
  std::vector<KeyValue> out;
  if (auto it = j.find("kvs"); it != j.end() && it->is_array())
    for (const auto& e : *it) out.push_back(kv_of(e));
  return out;
}

int64_t header_revision(const json& j) {
  auto it = j.find("header");
  return it != j.end() && it->is_object() ? as_i64(*it, "revision") : 0;
}

const char* target_name(Compare::Target t) {
  switch (t) {
    case Compare::Target::kCreateRevision: return "CREATE";
    case Compare::Target::kModRevision: return "MOD";
    case Compare::Target::kVersion: return "VERSION";
    case Compare::Target::kValue: return "VALUE";
  }
  return "CREATE";
}

const char* result_name(Compare::Result r) {
  switch (r) {
    case Compare::Result::kEqual: return "EQUAL";
    case Compare::Result::kNotEqual: return "NOT_EQUAL";
    case Compare::Result::kGreater: return "GREATER";
    case Compare::Result::kLess: return "LESS";
  }
  return "EQUAL";
}

json compare_json(const Compare& c) {
  json j{{"key", base64_encode(c.key)}, {"target", target_name(c.target)}, {"result", result_name(c.result)}};
  switch (c.target) {
    case Compare::Target::kCreateRevision: j["create_revision"] = std::to_string(c.number); break;
    case Compare::Target::kModRevision: j["mod_revision"] = std::to_string(c.number); break;
    case Compare::Target::kVersion: j["version"] = std::to_string(c.number); break;
    case Compare::Target::kValue: j["value"] = base64_encode(c.value); break;
  }
  return j;
}

json op_json(const Op& op) {
  json r{{"key", base64_encode(op.key)}};
  if (!op.range_end.empty()) r["range_end"] = base64_encode(op.range_end);
  switch (op.kind) {
    case Op::Kind::kPut:
      r["value"] = base64_encode(op.value);
      if (op.lease) r["lease"] = std::to_string(op.lease);
      return {{"request_put", r}};
    case Op::Kind::kDelete: return {{"request_delete_range", r}};
    case Op::Kind::kRange: return {{"request_range", r}};
  }
  return {};
}

// An error etcd answered: {"error": ..., "code": grpc code, "message": ...}.
Error answered_error(const std::string& path, long status, const std::string& body) {
  std::string msg = body;
  int grpc = 0;
  if (auto j = json::parse(body, nullptr, false); j.is_object()) {
    if (auto m = j.find("message"); m != j.end() && m->is_string()) msg = m->get<std::string>();
    else if (auto e = j.find("error"); e != j.end() && e->is_string()) msg = e->get<std::string>();
    grpc = static_cast<int>(as_i64(j, "code"));
  }
  // UNAVAILABLE (14) and DEADLINE_EXCEEDED (4): no leader, leader changed, or overload.
  Code code = (grpc == 14 || grpc == 4 || status == 503 || status == 504) ? Code::kTryAgainLater : Code::kStore;
  return Error{code, "etcd " + path + ": HTTP " + std::to_string(status), msg};
}

}  // namespace

std::string prefix_end(const std::string& prefix) {
  std::string end = prefix;
  while (!end.empty()) {
    if (static_cast<unsigned char>(end.back()) < 0xff) {
      end.back() = static_cast<char>(static_cast<unsigned char>(end.back()) + 1);
      return end;
    }
    end.pop_back();
  }
  return std::string(1, '\0');  // every key
}

Client::Client(Config cfg) : cfg_(std::move(cfg)), conn_(cfg_.tls) {}

Result<json> Client::call(const std::string& path, const json& body) {
  const auto deadline = Clock::now() + cfg_.timeout;
  const std::string text = body.dump();
  auto backoff = kFirstBackoff;
  std::optional<Error> last;
  for (size_t tried_this_round = 0;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) break;
    const std::string& endpoint = cfg_.endpoints[current_ % cfg_.endpoints.size()];
    const auto start = Clock::now();
    // One attempt gets an equal share of the timeout, not all that is left: a hung
    // member (stopped, partitioned) accepts the connection and never answers, and one
    // whose leader died holds a forwarded write until its own request timeout (5 s plus
    // two election timeouts), while the others would answer (a new leader within about
    // one election timeout). Resending what may have been applied is safe here: claims
    // are create-if-absent and recognise their own earlier commit (blocks.cpp), puts
    // write the same value, and a lease granted twice lets the unused one expire.
    const auto share = std::max(
        std::chrono::duration_cast<std::chrono::milliseconds>(cfg_.timeout / cfg_.endpoints.size()), kMinAttempt);
    auto r = conn_.post(endpoint + path, text, std::min(left, share));
    if (r && r->status == 200) {
      stats_.round_trips++;
      stats_.latency_us_sum += std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count();
      auto j = json::parse(r->body, nullptr, false);
      if (j.is_discarded() || !j.is_object())
        return fail(Code::kStore, "etcd " + path + ": the answer is not JSON", r->body.substr(0, 200));
      return j;
    }
    stats_.failures++;
    Error e = r ? answered_error(path, r->status, r->body) : r.error();
    if (e.code != Code::kTryAgainLater) return std::unexpected(e.wrap("etcd at " + endpoint));
    spdlog::debug("etcd {}{}: {}; trying the next endpoint", endpoint, path, e.what());
    last = e.wrap("etcd at " + endpoint);
    ++current_;
    if (++tried_this_round < cfg_.endpoints.size()) continue;
    tried_this_round = 0;
    const auto pause = std::min(backoff, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()));
    if (pause.count() > 0) std::this_thread::sleep_for(pause);
    backoff = std::min(backoff * 2, kMaxBackoff);
  }
  std::string details = "no endpoint of " + std::to_string(cfg_.endpoints.size()) + " answered within " +
                        std::to_string(cfg_.timeout.count()) + " ms";
  if (last) details += "; last: " + last->what();
  return fail(Code::kTryAgainLater, "etcd is unreachable", details);
}

Result<std::optional<KeyValue>> Client::get(const std::string& key) {
  auto r = BERTH_TRY(range(key, {}));
  if (r.kvs.empty()) return std::optional<KeyValue>();
  return std::optional<KeyValue>(r.kvs.front());
}

Result<RangeResult> Client::range(const std::string& key, const std::string& range_end) {
  json body{{"key", base64_encode(key)}};
  if (!range_end.empty()) body["range_end"] = base64_encode(range_end);
  auto j = BERTH_TRY(call("/v3/kv/range", body));
  return RangeResult{header_revision(j), kvs_of(j)};
}

Result<int64_t> Client::put(const std::string& key, const std::string& value, int64_t lease) {
  json body{{"key", base64_encode(key)}, {"value", base64_encode(value)}};
  if (lease) body["lease"] = std::to_string(lease);
  auto j = BERTH_TRY(call("/v3/kv/put", body));
  return header_revision(j);
}

Result<TxnResult> Client::txn(const Txn& t) {
  json body{{"compare", json::array()}, {"success", json::array()}, {"failure", json::array()}};
  for (const auto& c : t.compare) body["compare"].push_back(compare_json(c));
  for (const auto& op : t.success) body["success"].push_back(op_json(op));
  for (const auto& op : t.failure) body["failure"].push_back(op_json(op));
  auto j = BERTH_TRY(call("/v3/kv/txn", body));
  TxnResult r;
  r.succeeded = j.value("succeeded", false);
  r.revision = header_revision(j);
  if (auto it = j.find("responses"); it != j.end() && it->is_array())
    for (const auto& resp : *it)
      if (auto rr = resp.find("response_range"); rr != resp.end() && rr->is_object())
        for (auto& kv : kvs_of(*rr)) r.kvs.push_back(std::move(kv));
  return r;
}

Result<int64_t> Client::lease_grant(int64_t ttl_seconds) {
  auto j = BERTH_TRY(call("/v3/lease/grant", json{{"TTL", std::to_string(ttl_seconds)}}));
  if (auto err = j.find("error"); err != j.end() && err->is_string() && !err->get<std::string>().empty())
    return fail(Code::kStore, "etcd refused a lease", err->get<std::string>());
  int64_t id = as_i64(j, "ID");
  if (!id) return fail(Code::kStore, "etcd granted no lease ID", j.dump());
  return id;
}

Result<int64_t> Client::lease_keepalive(int64_t id) {
  // A stream in gRPC; the gateway answers one request with one line {"result": {...}}.
  auto j = BERTH_TRY(call("/v3/lease/keepalive", json{{"ID", std::to_string(id)}}));
  auto it = j.find("result");
  return it != j.end() && it->is_object() ? as_i64(*it, "TTL") : 0;
}

Result<> Client::lease_revoke(int64_t id) {
  BERTH_TRY(call("/v3/lease/revoke", json{{"ID", std::to_string(id)}}));
  return {};
}

Result<> Client::watch(const std::string& prefix, int64_t start_revision,
                       const std::function<void(const std::vector<WatchEvent>&, int64_t)>& on_events,
                       const std::function<bool()>& keep_going) {
  json create{{"key", base64_encode(prefix)}, {"range_end", base64_encode(prefix_end(prefix))},
              {"progress_notify", true}};
  if (start_revision > 0) create["start_revision"] = std::to_string(start_revision);
  const std::string body = json{{"create_request", create}}.dump();
  Connection stream(cfg_.tls);
  std::optional<Error> broken;
  bool canceled = false;
  auto on_line = [&](std::string_view line) {
    auto j = json::parse(line, nullptr, false);
    if (!j.is_object()) return true;  // a partial keep-alive line: ignore
    auto res = j.find("result");
    if (res == j.end() || !res->is_object()) {
      broken = Error{Code::kTryAgainLater, "etcd watch: unexpected line", std::string(line.substr(0, 200))};
      return false;
    }
    if (as_i64(*res, "compact_revision") > 0) {
      broken = Error{Code::kStore, "etcd watch: revision compacted", "read everything again"};
      return false;
    }
    if (res->value("canceled", false)) {
      canceled = true;
      return false;
    }
    std::vector<WatchEvent> events;
    if (auto ev = res->find("events"); ev != res->end() && ev->is_array())
      for (const auto& e : *ev) {
        WatchEvent w;
        w.type = e.value("type", std::string("PUT")) == "DELETE" ? WatchEvent::Type::kDelete : WatchEvent::Type::kPut;
        if (auto kv = e.find("kv"); kv != e.end() && kv->is_object()) w.kv = kv_of(*kv);
        events.push_back(std::move(w));
      }
    const int64_t rev = header_revision(*res);
    if (!events.empty() || rev) on_events(events, rev);
    return keep_going();
  };
  // Try each endpoint once; the caller decides how long to wait before watching again.
  for (size_t i = 0; i < cfg_.endpoints.size() && keep_going(); ++i) {
    const std::string& endpoint = cfg_.endpoints[(current_ + i) % cfg_.endpoints.size()];
    broken.reset();
    auto status = stream.post_stream(endpoint + "/v3/watch", body, cfg_.timeout, on_line, keep_going);
    if (!keep_going()) return {};
    if (broken) return std::unexpected(broken->wrap("etcd at " + endpoint));
    if (canceled) return fail(Code::kTryAgainLater, "etcd at " + endpoint + " canceled the watch");
    if (status && *status == 200) return fail(Code::kTryAgainLater, "etcd at " + endpoint + " ended the watch");
    if (!status && status.error().code != Code::kTryAgainLater) return std::unexpected(status.error());
    spdlog::debug("etcd watch at {} failed: {}", endpoint,
                  status ? "HTTP " + std::to_string(*status) : status.error().what());
  }
  return fail(Code::kTryAgainLater, "etcd is unreachable", "no endpoint accepted the watch");
}

}  // namespace berth::etcd
