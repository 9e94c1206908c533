// From the command line to a Path: containers by name or ID, --to parsed as an address or
// a container (with an optional port), --published looked up in the container's record.
#include <charconv>

#include "core/netlink/addr_extra.h"
#include "core/netlink/socket.h"
#include "runtime/diagnose/path.h"

namespace berth::runtime::diagnose {

namespace {

Result<uint16_t> parse_port(std::string_view text, std::string& proto) {
  if (auto slash = text.find('/'); slash != std::string_view::npos) {
    proto = std::string(text.substr(slash + 1));
    text = text.substr(0, slash);
    if (proto != "tcp" && proto != "udp" && proto != "sctp")
      return fail(Code::kInvalidConfig, "unknown protocol `" + proto + "` (tcp, udp or sctp)");
  }
  unsigned v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size() || v == 0 || v > 65535)
    return fail(Code::kInvalidConfig, "bad port `" + std::string(text) + "`");
  return static_cast<uint16_t>(v);
}

std::optional<IpAddr> first_addr(const NetAttachment& a) {
  if (auto v4 = IpAddr::parse(a.ip)) return v4;
  return IpAddr::parse(a.ipv6);
}

// The container as an endpoint on `network` (its first network when empty or absent).
Result<Endpoint> endpoint(Runtime& rt, const Container& c, const std::string& network) {
  Endpoint e{.name = c.name.empty() ? c.id : c.name,
             .id = c.id,
             .running = !c.state.netns.empty() && is_active(c.state.status),
             .netns = c.state.netns};
  if (!e.running) return e;  // stopped: its attachments are gone; the walk says so
  if (c.state.networks.empty())
    return fail(Code::kInvalidConfig, "container " + e.name + " is on no berth network");
  e.att = c.state.networks.front();
  for (const auto& a : c.state.networks)
    if (a.network == network) e.att = a;
  e.net = BERTH_TRY(rt.networks().inspect(e.att.network));
  e.addr = first_addr(e.att);
  return e;
}

Result<Container> load(Runtime& rt, const std::string& ref) {
  auto id = rt.store.resolve(ref);
  if (!id) return std::unexpected(id.error());
  return rt.store.load(*id);
}

// A network both containers are on ("" when none).
std::string shared_network(const Container& a, const Container& b) {
  for (const auto& x : a.state.networks)
    for (const auto& y : b.state.networks)
      if (x.network == y.network) return x.network;
  return "";
}

// The running container that has `addr` on one of its networks.
Result<std::optional<Container>> container_with(Runtime& rt, const IpAddr& addr) {
  for (auto& c : BERTH_TRY(rt.store.list()))
    for (const auto& a : c.state.networks)
      if (first_addr(a) == addr || IpAddr::parse(a.ipv6) == addr) return std::optional(c);
  return std::optional<Container>();
}

Result<bool> is_host_address(const IpAddr& addr) {
  auto sock = BERTH_TRY(netlink::Socket::open());
  for (const auto& a : BERTH_TRY(netlink::list_all_addresses(sock)))
    if (a.addr.addr == addr) return true;
  return false;
}

// "host[:port]", "[v6]:port", or a bare IPv6 address.
struct HostPort {
  std::string host;
  std::string port;  // may carry /proto
};
HostPort split_host_port(const std::string& text) {
  if (text.starts_with('[')) {
    auto close = text.find(']');
    if (close == std::string::npos) return {text, ""};
    std::string rest = text.substr(close + 1);
    return {text.substr(1, close - 1), rest.starts_with(':') ? rest.substr(1) : rest};
  }
  auto colon = text.find(':');
  if (colon == std::string::npos || text.find(':', colon + 1) != std::string::npos)
    return {text, ""};  // no port, or an IPv6 address without brackets
  return {text.substr(0, colon), text.substr(colon + 1)};
}

Result<> resolve_to(Runtime& rt, const Container& from_c, const Request& req, Path& p) {
  auto hp = split_host_port(req.to);
  if (hp.host.empty()) return fail(Code::kInvalidConfig, "--to needs an address or a container");
  if (!hp.port.empty()) p.port = BERTH_TRY(parse_port(hp.port, p.proto));
  std::optional<Container> target;
  if (auto addr = IpAddr::parse(hp.host)) {
    p.dst = addr;
    target = BERTH_TRY(container_with(rt, *addr));
    if (!target) {
      p.kind = BERTH_TRY(is_host_address(*addr)) ? TargetKind::kHost : TargetKind::kOutside;
      p.from = BERTH_TRY(endpoint(rt, from_c, ""));
      return {};
    }
  } else {
    target = BERTH_TRY(load(rt, hp.host));
  }
  std::string net = shared_network(from_c, *target);
  p.kind = TargetKind::kContainer;
  p.from = BERTH_TRY(endpoint(rt, from_c, net));
  p.to = BERTH_TRY(endpoint(rt, *target, net));
  if (!p.dst) p.dst = p.to->addr;
  return {};
}

Result<> resolve_published(Runtime& rt, const Container& c, const Request& req, Path& p) {
  p.kind = TargetKind::kPublished;
  uint16_t host_port = BERTH_TRY(parse_port(req.published, p.proto));
  for (const auto& a : c.state.networks)
    for (const auto& m : a.ports)
      if (m.host_port == host_port && m.protocol == p.proto) {
        p.published = m;
        p.from = BERTH_TRY(endpoint(rt, c, a.network));
      }
  if (!p.published) {  // not published: the walk says so; keep the port asked about
    p.from = BERTH_TRY(endpoint(rt, c, ""));
    p.published = net::PortMapping{.host_port = host_port, .protocol = p.proto};
    p.port = 0;
    return {};
  }
  p.to = p.from;
  p.port = p.published->host_port;
  // Connections go to the host: the bound address, else the bridge's own (gateway) one.
  if (auto bound = IpAddr::parse(p.published->host_ip))
    p.dst = bound;
  else if (!p.from.net.gateways.empty())
    p.dst = p.from.net.gateways.front();
  return {};
}

}  // namespace

std::string Path::describe_target() const {
  std::string port_text = port ? ":" + std::to_string(port) + "/" + proto : "";
  std::string addr = dst ? (dst->is_v4() ? dst->str() : "[" + dst->str() + "]") : "";
  switch (kind) {
    case TargetKind::kContainer:
      return "container " + to->name + " (" + addr + port_text + ")";
    case TargetKind::kPublished:
      return "published port " + std::to_string(published->host_port) + "/" + proto +
             " of container " + from.name;
    case TargetKind::kHost:
      return "the host (" + addr + port_text + ")";
    case TargetKind::kOutside:
      return dst ? addr + port_text + " (outside this host)" : "the outside (default route)";
  }
  return addr;
}

Result<Path> resolve_path(Runtime& rt, const Request& req) {
  if (!req.to.empty() && !req.published.empty())
    return fail(Code::kInvalidConfig, "--to and --published exclude each other");
  auto c = BERTH_TRY(load(rt, req.container));
  Path p;
  if (!req.to.empty())
    BERTH_TRY(resolve_to(rt, c, req, p));
  else if (!req.published.empty())
    BERTH_TRY(resolve_published(rt, c, req, p));
  else
    p.from = BERTH_TRY(endpoint(rt, c, ""));
  return p;
}

}  // namespace berth::runtime::diagnose
