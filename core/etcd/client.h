// A client of etcd's v3 API through its JSON gateway (POST /v3/kv/range, /v3/kv/txn,
// /v3/lease/*, /v3/watch). Keys and values are bytes (base64 on the wire, as the gateway
// wants); revisions and lease IDs are int64.
//
// Every call tries the endpoints in turn, starting from the last one that answered, and
// backs off (25 ms doubling to 400 ms) after a round in which none did, until the
// config's timeout has passed in total: then code 11 (try again later). One attempt
// waits at most timeout / endpoints (at least 200 ms), so a member that hangs leaves
// time for the others. A TLS failure is code 7 at once; an error etcd answered is code
// 107 with etcd's message.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/etcd/config.h"
#include "core/etcd/http.h"

namespace berth::etcd {

struct KeyValue {
  std::string key;
  std::string value;
  int64_t create_revision = 0;
  int64_t mod_revision = 0;
  int64_t version = 0;
  int64_t lease = 0;
};

struct RangeResult {
  int64_t revision = 0;  // the store's revision when it answered
  std::vector<KeyValue> kvs;
};

// One condition of a transaction: `target` of `key` compared with `number` (a revision
// or version) or with `value`.
struct Compare {
  enum class Target { kCreateRevision, kModRevision, kVersion, kValue };
  enum class Result { kEqual, kNotEqual, kGreater, kLess };
  std::string key;
  Target target = Target::kCreateRevision;
  Result result = Result::kEqual;
  int64_t number = 0;
  std::string value;

  // The key does not exist (its create revision is 0).
  static Compare absent(std::string key) { return {std::move(key), Target::kCreateRevision, Result::kEqual, 0, {}}; }
  // The key was last written at `revision` (nobody changed it since we read it).
  static Compare unchanged(std::string key, int64_t revision) {
    return {std::move(key), Target::kModRevision, Result::kEqual, revision, {}};
  }
};

struct Op {
  enum class Kind { kPut, kDelete, kRange };
  Kind kind = Kind::kPut;
  std::string key;
  std::string value;      // kPut
  int64_t lease = 0;      // kPut: 0 for none
  std::string range_end;  // kDelete, kRange: empty for the one key

  static Op put(std::string key, std::string value, int64_t lease = 0) {
    return {Kind::kPut, std::move(key), std::move(value), lease, {}};
  }
  static Op del(std::string key) { return {Kind::kDelete, std::move(key), {}, 0, {}}; }
  static Op get(std::string key) { return {Kind::kRange, std::move(key), {}, 0, {}}; }
};

struct Txn {
  std::vector<Compare> compare;
  std::vector<Op> success;
  std::vector<Op> failure;
};

struct TxnResult {
  bool succeeded = false;
  int64_t revision = 0;
  std::vector<KeyValue> kvs;  // what the branch's kRange ops found, in order
};

struct WatchEvent {
  enum class Type { kPut, kDelete };
  Type type = Type::kPut;
  KeyValue kv;  // for kDelete: key and mod_revision only
};

// Counters for metrics; shared by copies of nothing (one per Client).
struct ClientStats {
  std::atomic<uint64_t> round_trips{0};      // requests that reached etcd and got an answer
  std::atomic<uint64_t> failures{0};         // attempts that did not
  std::atomic<uint64_t> latency_us_sum{0};   // of the answered round trips
};

// The end of the range of keys starting with `prefix` (etcd's "prefix" range_end).
[[nodiscard]] std::string prefix_end(const std::string& prefix);

class Client {
 public:
  explicit Client(Config cfg);

  [[nodiscard]] const Config& config() const { return cfg_; }
  [[nodiscard]] const ClientStats& stats() const { return stats_; }

  // One key (nullopt when absent), or every key in [key, range_end).
  [[nodiscard]] Result<std::optional<KeyValue>> get(const std::string& key);
  [[nodiscard]] Result<RangeResult> range(const std::string& key, const std::string& range_end);
  [[nodiscard]] Result<RangeResult> range_prefix(const std::string& prefix) {
    return range(prefix, prefix_end(prefix));
  }
  // Returns the revision of the write.
  [[nodiscard]] Result<int64_t> put(const std::string& key, const std::string& value, int64_t lease = 0);
  [[nodiscard]] Result<TxnResult> txn(const Txn& t);

  // Leases: grant returns the ID; keepalive the TTL left (0: the lease is gone).
  [[nodiscard]] Result<int64_t> lease_grant(int64_t ttl_seconds);
  [[nodiscard]] Result<int64_t> lease_keepalive(int64_t id);
  [[nodiscard]] Result<> lease_revoke(int64_t id);

  // Streams the changes of keys under `prefix` from `start_revision` on, each batch to
  // `on_events`, until `keep_going` returns false (polled about once a second), the
  // connection breaks or etcd ends the watch (code 11: watch again from the last revision
  // seen), or the revision was compacted (code 107: read everything again). Uses a
  // connection of its own, so other calls may run meanwhile on other threads.
  [[nodiscard]] Result<> watch(const std::string& prefix, int64_t start_revision,
                               const std::function<void(const std::vector<WatchEvent>&, int64_t revision)>& on_events,
                               const std::function<bool()>& keep_going);

 private:
  // POSTs `body` to `path` with the retry policy above; the answer's JSON.
  [[nodiscard]] Result<nlohmann::json> call(const std::string& path, const nlohmann::json& body);

  Config cfg_;
  Connection conn_;
  size_t current_ = 0;  // endpoint that answered last
  ClientStats stats_;
};

}  // namespace berth::etcd
