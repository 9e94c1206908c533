// The IPAM lease store: which attachment holds which address, and where round-robin
// allocation of each range set left off. Deliberately small so that other backends
// (disk today, etcd later) are easy to add; allocation policy lives in ipam/, not here.
#pragma once

#include <compare>
#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/ip.h"

namespace berth::ipam {

// One (container ID, ifname) pair. An empty ifname is a legacy lease whose record
// carried only the container ID (written by old host-local versions).
struct Attachment {
  std::string container_id;
  std::string ifname;
  auto operator<=>(const Attachment&) const = default;
};

// Every method except lock() requires the lock to be held by this object; a call
// without it fails with Code::kInternal. Failures of the medium are Code::kStore.
class Store {
 public:
  virtual ~Store() = default;

  // Exclusive across processes. Code::kTryAgainLater when another holder keeps it
  // longer than the backend's wait bound.
  [[nodiscard]] virtual Result<> lock() = 0;
  virtual void unlock() = 0;

  // Records `ip` as held by `a` and remembers it as the last address handed out from
  // range set `set`. false (nothing changed) when someone already holds `ip`.
  [[nodiscard]] virtual Result<bool> reserve(const Attachment& a, const IpAddr& ip, int set) = 0;
  // The address last reserved from `set`; nullopt when none was recorded.
  [[nodiscard]] virtual Result<std::optional<IpAddr>> last_reserved(int set) = 0;
  // Addresses held by exactly `a` (no legacy fallback); empty when none.
  [[nodiscard]] virtual Result<std::vector<IpAddr>> leases_of(const Attachment& a) = 0;
  // Who holds `ip`; nullopt when it is free. A taken address whose record cannot be
  // read yields an Attachment with an empty container_id.
  [[nodiscard]] virtual Result<std::optional<Attachment>> holder(const IpAddr& ip) = 0;
  // Frees every address of exactly `a`; returns how many. 0 (success) when it held none.
  [[nodiscard]] virtual Result<size_t> release(const Attachment& a) = 0;
  // Every attachment holding at least one address (possibly also some that hold none);
  // after this call release() frees all of each one's addresses. For GC: may read every
  // lease, so other commands must not depend on it.
  [[nodiscard]] virtual Result<std::vector<Attachment>> attachments() = 0;
};

// Holds a Store's lock for one scope.
class StoreLock {
 public:
  [[nodiscard]] static Result<StoreLock> acquire(Store& s) {
    BERTH_TRY(s.lock());
    return StoreLock(s);
  }
  StoreLock(StoreLock&& o) noexcept : store_(std::exchange(o.store_, nullptr)) {}
  StoreLock& operator=(StoreLock&&) = delete;
  StoreLock(const StoreLock&) = delete;
  StoreLock& operator=(const StoreLock&) = delete;
  ~StoreLock() {
    if (store_) store_->unlock();
  }

 private:
  explicit StoreLock(Store& s) : store_(&s) {}
  Store* store_;  // nullptr once moved from
};

}  // namespace berth::ipam
