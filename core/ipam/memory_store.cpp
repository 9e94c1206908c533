#include "core/ipam/memory_store.h"

#include <algorithm>

namespace berth::ipam {

Result<> MemoryStore::need_lock() const {
  if (!locked_) return fail(Code::kInternal, "lease store used without holding its lock");
  return {};
}

Result<> MemoryStore::lock() {
  if (locked_) return fail(Code::kInternal, "lease store locked twice");
  locked_ = true;
  ++lock_count;
  return {};
}

void MemoryStore::unlock() { locked_ = false; }

Result<bool> MemoryStore::reserve(const Attachment& a, const IpAddr& ip, int set) {
  BERTH_TRY(need_lock());
  if (!leases.emplace(ip, a).second) return false;
  last[set] = ip;
  return true;
}

Result<std::optional<IpAddr>> MemoryStore::last_reserved(int set) {
  BERTH_TRY(need_lock());
  auto it = last.find(set);
  if (it == last.end()) return std::optional<IpAddr>();
  return std::optional<IpAddr>(it->second);
}

Result<std::vector<IpAddr>> MemoryStore::leases_of(const Attachment& a) {
  BERTH_TRY(need_lock());
  std::vector<IpAddr> out;
  for (const auto& [ip, holder] : leases)
    if (holder == a) out.push_back(ip);
  return out;
}

Result<std::optional<Attachment>> MemoryStore::holder(const IpAddr& ip) {
  BERTH_TRY(need_lock());
  auto it = leases.find(ip);
  if (it == leases.end()) return std::optional<Attachment>();
  return std::optional<Attachment>(it->second);
}

Result<size_t> MemoryStore::release(const Attachment& a) {
  BERTH_TRY(need_lock());
  return std::erase_if(leases, [&](const auto& kv) { return kv.second == a; });
}

Result<std::vector<Attachment>> MemoryStore::attachments() {
  BERTH_TRY(need_lock());
  std::vector<Attachment> out;
  for (const auto& [ip, holder] : leases)
    if (std::find(out.begin(), out.end(), holder) == out.end()) out.push_back(holder);
  return out;
}

}  // namespace berth::ipam
