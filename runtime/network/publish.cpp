// parse_publish: Docker's -p grammar, [ip:][hostPort:]containerPort[/proto], with port
// ranges and IPv6 host addresses in brackets. Pure; every mistake is code 7 naming `spec`.
#include <array>
#include <charconv>

#include "runtime/network/network.h"

namespace berth::runtime::net {
namespace {

struct PortRange {
  uint32_t first = 0, last = 0;  // inclusive; both 0: not given
  [[nodiscard]] uint32_t size() const { return last - first + 1; }
};

std::unexpected<Error> bad(std::string_view spec, const std::string& why) {
  return fail(Code::kInvalidConfig, "invalid port mapping `" + std::string(spec) + "`", why);
}

Result<uint32_t> parse_port(std::string_view spec, std::string_view text) {
  uint32_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size())
    return bad(spec, "`" + std::string(text) + "` is not a port number");
  if (v == 0 || v > 65535)
    return bad(spec, "port " + std::string(text) + " is out of range 1-65535");
  return v;
}

// "80" or "8000-8010".
Result<PortRange> parse_range(std::string_view spec, std::string_view text) {
  size_t dash = text.find('-');
  if (dash == std::string_view::npos) {
    uint32_t p = BERTH_TRY(parse_port(spec, text));
    return PortRange{p, p};
  }
  PortRange r{BERTH_TRY(parse_port(spec, text.substr(0, dash))),
              BERTH_TRY(parse_port(spec, text.substr(dash + 1)))};
  if (r.last < r.first) return bad(spec, "range `" + std::string(text) + "` ends before it starts");
  return r;
}

Result<std::string> parse_protocol(std::string_view spec, std::string_view text) {
  std::string p;
  for (char c : text) p += char(c >= 'A' && c <= 'Z' ? c + 32 : c);
  if (p == "tcp" || p == "udp" || p == "sctp") return p;
  return bad(spec, "unknown protocol `" + std::string(text) + "` (tcp, udp or sctp)");
}

// Splits "ip:host:ctr" into its parts; the ip may be "[v6]". Returns {ip, host, ctr}
// with `host` and `ip` possibly empty.
Result<std::array<std::string_view, 3>> split_parts(std::string_view spec, std::string_view rest) {
  std::string_view ip;
  if (!rest.empty() && rest.front() == '[') {
    size_t close = rest.find(']');
    if (close == std::string_view::npos) return bad(spec, "missing `]` after the IPv6 address");
    ip = rest.substr(1, close - 1);
    rest.remove_prefix(close + 1);
    if (rest.empty() || rest.front() != ':')
      return bad(spec, "expected `:` after `[" + std::string(ip) + "]`");
    rest.remove_prefix(1);
    size_t colon = rest.find(':');
    if (colon == std::string_view::npos)
      return bad(spec, "expected hostPort:containerPort after the address");
    return std::array{ip, rest.substr(0, colon), rest.substr(colon + 1)};
  }
  std::array<std::string_view, 3> parts{};
  size_t n = 0;
  while (true) {
    size_t colon = rest.find(':');
    if (n == 3)
      return bad(spec, "too many `:`; put an IPv6 host address in brackets, e.g. [::1]:8080:80");
    parts[n++] = rest.substr(0, colon);
    if (colon == std::string_view::npos) break;
    rest.remove_prefix(colon + 1);
  }
  if (n == 1)
    return std::array<std::string_view, 3>{std::string_view(), std::string_view(), parts[0]};
  if (n == 2) return std::array<std::string_view, 3>{std::string_view(), parts[0], parts[1]};
  return parts;
}

}  // namespace

Result<std::vector<PortMapping>> parse_publish(std::string_view spec) {
  std::string_view rest = spec;
  std::string protocol = "tcp";
  if (size_t slash = rest.rfind('/'); slash != std::string_view::npos) {
    protocol = BERTH_TRY(parse_protocol(spec, rest.substr(slash + 1)));
    rest = rest.substr(0, slash);
  }
  if (rest.empty()) return bad(spec, "no container port");
  auto [ip_text, host_text, ctr_text] = BERTH_TRY(split_parts(spec, rest));

  std::string host_ip;
  if (!ip_text.empty()) {
    auto ip = IpAddr::parse(ip_text);
    if (!ip) return bad(spec, "`" + std::string(ip_text) + "` is not an IP address");
    bool bracketed = rest.front() == '[';
    if (bracketed == ip->is_v4())
      return bad(spec, ip->is_v4() ? "brackets are for IPv6 addresses only"
                                   : "put an IPv6 host address in brackets");
    host_ip = ip->str();
  } else if (!rest.empty() && rest.front() == '[') {
    return bad(spec, "empty host address `[]`");
  }
  if (ctr_text.empty()) return bad(spec, "no container port");
  PortRange ctr = BERTH_TRY(parse_range(spec, ctr_text));
  PortRange host;
  if (!host_text.empty()) {
    host = BERTH_TRY(parse_range(spec, host_text));
    if (host.size() != ctr.size())
      return bad(spec, "host range `" + std::string(host_text) + "` and container range `" +
                           std::string(ctr_text) + "` differ in length");
  }
  std::vector<PortMapping> out;
  out.reserve(ctr.size());
  for (uint32_t i = 0; i < ctr.size(); ++i) {
    PortMapping m;
    m.container_port = uint16_t(ctr.first + i);
    m.host_port = host.first ? uint16_t(host.first + i) : 0;
    m.protocol = protocol;
    m.host_ip = host_ip;
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace berth::runtime::net
