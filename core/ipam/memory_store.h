// MemoryStore: a Store kept in process memory. The unit tests' fake store, and what
// STATUS inspects when a network has no lease directory yet (nothing is leased).
#pragma once

#include <map>

#include "core/ipam/store.h"

namespace berth::ipam {

class MemoryStore : public Store {
 public:
  Result<> lock() override;
  void unlock() override;
  Result<bool> reserve(const Attachment& a, const IpAddr& ip, int set) override;
  Result<std::optional<IpAddr>> last_reserved(int set) override;
  Result<std::vector<IpAddr>> leases_of(const Attachment& a) override;
  Result<std::optional<Attachment>> holder(const IpAddr& ip) override;
  Result<size_t> release(const Attachment& a) override;
  Result<std::vector<Attachment>> attachments() override;

  // Open to tests: seed leases and inspect what the allocator did.
  std::map<IpAddr, Attachment> leases;
  std::map<int, IpAddr> last;
  int lock_count = 0;  // how often lock() succeeded

 protected:
  [[nodiscard]] Result<> need_lock() const;

 private:
  bool locked_ = false;
};

}  // namespace berth::ipam
