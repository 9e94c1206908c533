#include "ipam/range_set.h"

#include "core/cni/types.h"

namespace berth::ipam {
namespace {

using nlohmann::json;

std::unexpected<Error> bad(const std::string& key, const std::string& value, std::string why) {
  return fail(Code::kInvalidConfig, "invalid " + key + " `" + value + "`", std::move(why));
}

// An optional string member; "" when absent or null. Code 7 for any other type.
Result<std::string> get_str(const json& obj, std::string_view key, const std::string& where) {
  const json* v = cni::find_ci(obj, key);
  if (!v || v->is_null()) return std::string();
  if (!v->is_string())
    return bad(where + "." + std::string(key), v->dump(), "must be a string");
  return v->get<std::string>();
}

// Parses an optional address member that must lie in `subnet` when `inside` is set.
Result<std::optional<IpAddr>> get_ip(const json& obj, std::string_view key, const std::string& where,
                                     const Prefix& subnet, bool inside) {
  auto text = BERTH_TRY(get_str(obj, key, where));
  if (text.empty()) return std::optional<IpAddr>();
  const std::string k = where + "." + std::string(key);
  auto ip = IpAddr::parse(text);
  if (!ip) return bad(k, text, "is not an IP address");
  if (ip->family() != subnet.addr.family())
    return bad(k, text, "is not of the same address family as subnet " + subnet.str());
  if (inside && !subnet.contains(*ip)) return bad(k, text, "is outside subnet " + subnet.str());
  return ip;
}

}  // namespace

Result<Range> parse_range(const json& obj, const std::string& where) {
  if (!obj.is_object()) return bad(where, obj.dump(), "a range must be an object");
  auto text = BERTH_TRY(get_str(obj, "subnet", where));
  const std::string key = where + ".subnet";
  if (text.empty())
    return fail(Code::kInvalidConfig, "missing " + key, "every range needs a subnet");
  auto subnet = Prefix::parse(text);
  if (!subnet) return bad(key, text, "is not a CIDR subnet such as 10.88.0.0/16");
  if (!subnet->is_network())
    return bad(key, text,
               "has host bits set; the network address is " + subnet->network().str() + "/" +
                   std::to_string(subnet->len));
  // /31 and /32 (/127, /128) leave no address besides network and gateway.
  if (subnet->len > subnet->addr.bits() - 2)
    return bad(key, text, "is too small to allocate from; use at most /" +
                              std::to_string(subnet->addr.bits() - 2));

  Range r;
  r.subnet = *subnet;
  r.key = where;
  const IpAddr net = subnet->network();
  r.start = BERTH_TRY(get_ip(obj, "rangeStart", where, r.subnet, true)).value_or(net.next());
  const IpAddr last = subnet->last();
  r.end = BERTH_TRY(get_ip(obj, "rangeEnd", where, r.subnet, true))
              .value_or(net.is_v4() ? last.plus(-1) : last);
  // The gateway may lie outside the subnet, as host-local allows: berth-ptp (like the
  // reference ptp) reaches it through an on-link /32. berth-bridge, which cannot, refuses
  // such a range itself (plugins/bridge/addressing.cpp). Only its family must match.
  r.gateway = BERTH_TRY(get_ip(obj, "gateway", where, r.subnet, false)).value_or(net.next());
  if (r.end < r.start)
    return bad(where + ".rangeEnd", r.end.str(),
               "comes before " + where + ".rangeStart " + r.start.str());
  return r;
}

Result<RangeSet> RangeSet::parse(const json& list, const std::string& where) {
  if (!list.is_array())
    return bad(where, list.dump(), "a range set must be a list of range objects");
  std::vector<Range> ranges;
  for (size_t i = 0; i < list.size(); ++i)
    ranges.push_back(BERTH_TRY(parse_range(list[i], where + "[" + std::to_string(i) + "]")));
  return of(std::move(ranges), where);
}

Result<RangeSet> RangeSet::of(std::vector<Range> ranges, const std::string& where) {
  if (ranges.empty()) return fail(Code::kInvalidConfig, "empty range set " + where, "a range set needs at least one range");
  for (size_t i = 0; i < ranges.size(); ++i) {
    const std::string key = where + "[" + std::to_string(i) + "].subnet";
    if (ranges[i].start.family() != ranges[0].start.family())
      return bad(key, ranges[i].subnet.str(),
                 "mixes address families in one range set (with " + ranges[0].subnet.str() + ")");
    for (size_t j = 0; j < i; ++j) {
      if (ranges[i].start <= ranges[j].end && ranges[j].start <= ranges[i].end)
        return bad(key, ranges[i].subnet.str(),
                   "overlaps " + where + "[" + std::to_string(j) + "] " + ranges[j].subnet.str());
    }
  }
  RangeSet s;
  s.ranges_ = std::move(ranges);
  s.where_ = where;
  return s;
}

const Range* RangeSet::range_of(const IpAddr& ip) const {
  for (const auto& r : ranges_)
    if (r.contains(ip)) return &r;
  return nullptr;
}

bool RangeSet::reserved(const IpAddr& ip) const {
  for (const auto& r : ranges_) {
    if (ip == r.gateway) return true;
    if (!r.subnet.contains(ip)) continue;
    if (ip == r.subnet.network()) return true;
    if (ip.is_v4() && ip == r.subnet.last()) return true;
  }
  return false;
}

IpAddr RangeSet::next(const IpAddr& ip) const {
  for (size_t i = 0; i < ranges_.size(); ++i) {
    if (!ranges_[i].contains(ip)) continue;
    if (ip != ranges_[i].end) return ip.next();
    return ranges_[(i + 1) % ranges_.size()].start;
  }
  return first();
}

bool RangeSet::overlaps(const RangeSet& o) const {
  for (const auto& a : ranges_)
    for (const auto& b : o.ranges_)
      if (a.start.family() == b.start.family() && a.start <= b.end && b.start <= a.end) return true;
  return false;
}

std::string RangeSet::str() const {
  std::string s;
  for (const auto& r : ranges_) s += (s.empty() ? "" : ",") + r.subnet.str();
  return s;
}

}  // namespace berth::ipam
