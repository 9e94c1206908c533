// Address ranges and range sets (cni-spec §9.2): parsing with host-local's defaults and
// checks, and the walk order of round-robin allocation. Pure; no system calls.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/ip.h"

namespace berth::ipam {

// One range of a subnet; every field is filled in (defaults applied) after parsing.
struct Range {
  Prefix subnet;   // network address: no host bits
  IpAddr start;    // first address handed out; default network + 1
  IpAddr end;      // last; default broadcast - 1 (IPv4) or the last address (IPv6)
  IpAddr gateway;  // default network + 1; never handed out; may lie outside the subnet
  std::string key;  // where the config has it, e.g. "ipam.ranges[1][0]", for messages

  [[nodiscard]] bool contains(const IpAddr& ip) const {
    return ip.family() == start.family() && start <= ip && ip <= end;
  }
};

// Parses one range object {subnet, rangeStart, rangeEnd, gateway} (keys matched
// case-insensitively: containerd sends "Subnet"). `where` names it in errors, e.g.
// "ipam.ranges[1][0]". Code 7 naming the key and value for anything invalid.
[[nodiscard]] Result<Range> parse_range(const nlohmann::json& obj, const std::string& where);

// A non-empty list of ranges of one family that do not overlap; one address is
// allocated from each set.
class RangeSet {
 public:
  // Parses a JSON list of range objects. Code 7 when empty, mixed-family or overlapping.
  [[nodiscard]] static Result<RangeSet> parse(const nlohmann::json& list, const std::string& where);
  // From already valid ranges (the legacy top-level form and tests).
  [[nodiscard]] static Result<RangeSet> of(std::vector<Range> ranges, const std::string& where);

  [[nodiscard]] const std::vector<Range>& ranges() const { return ranges_; }
  [[nodiscard]] int family() const { return ranges_.front().start.family(); }
  // The range whose start..end holds `ip`; nullptr when none does.
  [[nodiscard]] const Range* range_of(const IpAddr& ip) const;
  [[nodiscard]] bool contains(const IpAddr& ip) const { return range_of(ip) != nullptr; }
  // Never handed out: a subnet's network address, an IPv4 broadcast, a range's gateway.
  [[nodiscard]] bool reserved(const IpAddr& ip) const;
  // Where a walk starts when nothing was allocated yet.
  [[nodiscard]] IpAddr first() const { return ranges_.front().start; }
  // The address after `ip` in walk order: on to the range's end, then the next range's
  // start, wrapping from the last range to the first. `ip` must be contained.
  [[nodiscard]] IpAddr next(const IpAddr& ip) const;
  // True when some address of this set lies in `o` too.
  [[nodiscard]] bool overlaps(const RangeSet& o) const;
  // "10.1.0.0/24,10.2.0.0/24": the subnets, for messages.
  [[nodiscard]] std::string str() const;
  // Where the config has it, e.g. "ipam.ranges[1]", for messages.
  [[nodiscard]] const std::string& where() const { return where_; }

 private:
  std::vector<Range> ranges_;  // never empty
  std::string where_;
};

}  // namespace berth::ipam
