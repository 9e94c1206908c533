// Allocation policy over a lease Store (cni-spec §9.2): one address per range set, round
// robin after the set's last reservation, requested addresses, no duplicates, rollback on
// partial failure; and the lease side of DEL, CHECK, GC and STATUS. Each function holds
// the store's lock for its whole run, so it sees and leaves a consistent store.
#pragma once

#include <cstddef>
#include <vector>

#include "core/cni/types.h"
#include "core/error.h"
#include "core/ipam/store.h"
#include "ipam/range_set.h"

namespace berth::ipam {

// ADD: one address from each set, in set order, for `a`. A requested address is used
// for the set it falls in; other sets get the next free address. Errors, with nothing
// left reserved by this call:
//   7   a requested address is in no set, two fall in one set, or one is reserved
//   102 a requested address is taken (names the holder), or `a` already holds addresses
//   103 a set has no free address
//   11  the store stayed locked too long
[[nodiscard]] Result<std::vector<cni::IpConfig>> allocate(Store& store,
                                                          const std::vector<RangeSet>& sets,
                                                          const Attachment& a,
                                                          const std::vector<IpAddr>& requested);

// DEL: frees every address of `a`; if it held none, those of a legacy record carrying only
// its container ID. Returns how many were freed (0 is success).
[[nodiscard]] Result<size_t> release(Store& store, const Attachment& a);

// CHECK: code 108 unless `a` (or its legacy record) holds an address in every set.
[[nodiscard]] Result<> check(Store& store, const std::vector<RangeSet>& sets, const Attachment& a);

// GC: frees every attachment not in `valid` (a legacy record is kept when its container ID
// appears in `valid`). Keeps going after a failed release and reports them all at the end
// (code 107). Returns how many attachments were freed.
[[nodiscard]] Result<size_t> collect_garbage(Store& store, const std::vector<Attachment>& valid);

// STATUS: code 50 when some set has no free address (ADD could not be served).
[[nodiscard]] Result<> status(Store& store, const std::vector<RangeSet>& sets);

}  // namespace berth::ipam
