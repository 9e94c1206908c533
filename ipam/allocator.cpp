#include "ipam/allocator.h"

#include <algorithm>
#include <functional>
#include <optional>

#include "core/failpoint.h"
#include "core/scope_exit.h"

namespace berth::ipam {
namespace {

std::string who(const Attachment& a) {
  if (a.container_id.empty()) return "an unknown container (unreadable lease record)";
  return "container " + a.container_id + (a.ifname.empty() ? "" : " ifname " + a.ifname);
}

// Visits every address of `set` once, in round-robin order: from just after the set's
// last reservation (when that is still in the set), else from the set's first address,
// wrapping. Stops at the first address `take` accepts and returns it; nullopt when none.
Result<std::optional<IpAddr>> walk(Store& store, const RangeSet& set, int index,
                                   const std::function<Result<bool>(const IpAddr&)>& take) {
  auto last = BERTH_TRY(store.last_reserved(index));
  const IpAddr start = last && set.contains(*last) ? set.next(*last) : set.first();
  IpAddr ip = start;
  do {
    if (!set.reserved(ip) && BERTH_TRY(take(ip))) return std::optional<IpAddr>(ip);
    ip = set.next(ip);
  } while (ip != start);
  return std::optional<IpAddr>();
}

// Assigns each requested address to the set it falls in; checked before the store is
// touched so that a bad request changes nothing.
Result<std::vector<std::optional<IpAddr>>> assign_requested(const std::vector<RangeSet>& sets,
                                                            const std::vector<IpAddr>& requested) {
  std::vector<std::optional<IpAddr>> wanted(sets.size());
  for (const auto& ip : requested) {
    auto it = std::find_if(sets.begin(), sets.end(), [&](const RangeSet& s) { return s.contains(ip); });
    if (it == sets.end()) {
      std::string all;
      for (const auto& s : sets) all += (all.empty() ? "" : "; ") + s.str();
      return fail(Code::kInvalidConfig, "requested address " + ip.str() + " is not in any range",
                  "range sets: " + all);
    }
    auto& slot = wanted[size_t(it - sets.begin())];
    if (slot)
      return fail(Code::kInvalidConfig,
                  "requested addresses " + slot->str() + " and " + ip.str() +
                      " are both in range set " + it->str(),
                  "one address is allocated per range set");
    if (it->reserved(ip))
      return fail(Code::kInvalidConfig, "requested address " + ip.str() + " is reserved",
                  "it is a network, broadcast or gateway address of range set " + it->str());
    slot = ip;
  }
  return wanted;
}

Result<IpAddr> reserve_in_set(Store& store, const RangeSet& set, int index, const Attachment& a,
                              const std::optional<IpAddr>& wanted) {
  if (wanted) {
    if (BERTH_TRY(store.reserve(a, *wanted, index))) return *wanted;
    auto h = BERTH_TRY(store.holder(*wanted));
    return fail(Code::kAddressInUse, "requested address " + wanted->str() + " is in use",
                "held by " + (h ? who(*h) : std::string("another container")));
  }
  auto ip = BERTH_TRY(walk(store, set, index, [&](const IpAddr& c) { return store.reserve(a, c, index); }));
  if (!ip) return fail(Code::kRangeFull, "no IP addresses available in range set " + set.str());
  return *ip;
}

}  // namespace

Result<std::vector<cni::IpConfig>> allocate(Store& store, const std::vector<RangeSet>& sets,
                                            const Attachment& a,
                                            const std::vector<IpAddr>& requested) {
  auto wanted = BERTH_TRY(assign_requested(sets, requested));
  auto lock = BERTH_TRY(StoreLock::acquire(store));
  auto held = BERTH_TRY(store.leases_of(a));
  if (!held.empty())
    return fail(Code::kAddressInUse,
                "container " + a.container_id + " ifname " + a.ifname +
                    " already has an address in this network",
                "it holds " + held.front().str() + "; duplicate allocation is not allowed (DEL first)");
  // `a` held nothing before this call, so releasing all of `a` undoes exactly this call.
  // Declared after `lock`, so it runs while the lock is still held.
  bool done = false;
  ScopeExit rollback([&] {
    if (!done) (void)store.release(a);
  });
  std::vector<cni::IpConfig> out;
  for (size_t i = 0; i < sets.size(); ++i) {
    IpAddr ip = BERTH_TRY(reserve_in_set(store, sets[i], int(i), a, wanted[i]));
    const Range* r = sets[i].range_of(ip);
    out.push_back(cni::IpConfig{Prefix{ip, r->subnet.len}, r->gateway, std::nullopt});
  }
  done = true;
  return out;
}

Result<size_t> release(Store& store, const Attachment& a) {
  auto lock = BERTH_TRY(StoreLock::acquire(store));
  size_t n = BERTH_TRY(store.release(a));
  if (n == 0 && !a.ifname.empty()) n = BERTH_TRY(store.release(Attachment{a.container_id, ""}));
  return n;
}

Result<> check(Store& store, const std::vector<RangeSet>& sets, const Attachment& a) {
  auto lock = BERTH_TRY(StoreLock::acquire(store));
  auto ips = BERTH_TRY(store.leases_of(a));
  if (ips.empty()) ips = BERTH_TRY(store.leases_of(Attachment{a.container_id, ""}));
  for (const auto& set : sets) {
    bool found = std::any_of(ips.begin(), ips.end(), [&](const IpAddr& ip) { return set.contains(ip); });
    if (!found)
      return fail(Code::kCheckFailed,
                  "container " + a.container_id + " ifname " + a.ifname +
                      " holds no address in range set " + set.str(),
                  ips.empty() ? "it holds no address in this network"
                              : "it holds " + ips.front().str() + " elsewhere");
  }
  return {};
}

Result<size_t> collect_garbage(Store& store, const std::vector<Attachment>& valid) {
  auto lock = BERTH_TRY(StoreLock::acquire(store));
  auto is_valid = [&](const Attachment& a) {
    return std::any_of(valid.begin(), valid.end(), [&](const Attachment& v) {
      return v == a || (a.ifname.empty() && v.container_id == a.container_id);
    });
  };
  size_t freed = 0;
  std::string errors;
  for (const auto& a : BERTH_TRY(store.attachments())) {
    if (is_valid(a)) continue;
    if (auto r = store.release(a); r) {
      ++freed;
      failpoint("ipam.gc.released");
    } else {
      errors += (errors.empty() ? "" : "; ") + who(a) + ": " + r.error().what();
    }
  }
  if (!errors.empty()) return fail(Code::kStore, "gc: releasing stale leases failed", errors);
  return freed;
}

Result<> status(Store& store, const std::vector<RangeSet>& sets) {
  auto lock = BERTH_TRY(StoreLock::acquire(store));
  auto is_free = [&](const IpAddr& ip) -> Result<bool> {
    return !BERTH_TRY(store.holder(ip)).has_value();
  };
  for (size_t i = 0; i < sets.size(); ++i) {
    auto free_ip = BERTH_TRY(walk(store, sets[i], int(i), is_free));
    if (!free_ip)
      return fail(Code::kNotAvailable, "no free addresses",
                  "range set " + sets[i].str() + " is full; ADD would fail");
  }
  return {};
}

}  // namespace berth::ipam
