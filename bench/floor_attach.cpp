// berth-bench-floor: one container's bridge attachment done the cheapest way the kernel
// allows, as the floor every bridge plugin is measured against. It is exec'd by
// berth-bench exactly like a plugin (fork + exec + wait4), but reads no config and keeps
// no state: everything it needs comes in its environment.
//
//   FLOOR_COMMAND=ADD   one sendmsg on the host's rtnetlink socket: the veth pair, the
//                       host end enslaved to the bridge and the peer born inside the
//                       container (IFLA_NET_NS_FD); then, in the container, one sendmsg
//                       carrying link-up, the address and the default route.
//   FLOOR_COMMAND=DEL   RTM_DELLINK of the host end (the kernel removes the peer with it).
//   FLOOR_COMMAND=SETUP the bridge, up, with the gateway address (untimed, once per run).
//
// FLOOR_IPV6=0 gives both ends addrgenmode none before they come up (no link-local, no
// DAD, no MLD; the kernel refuses IFLA_AF_SPEC inet6 at creation, so it is one more
// message, in the same batches). FLOOR_NETNS may be a bind-mounted netns file or
// /proc/self/fd/N of a namespace nobody bound. Raw rtnetlink, libc only, linked static:
// no loader, no library start-up, so the process costs what the kernel makes it cost.
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace {

// A netlink batch under construction: messages appended one after another in one buffer,
// attributes nested by remembering where their header sits.
struct Batch {
  alignas(NLMSG_ALIGNTO) char buf[4096];
  size_t len = 0;
  size_t msg = 0;  // offset of the message being built
  unsigned seq = 0;

  void* put(const void* data, size_t n) {
    void* at = buf + len;
    if (data) std::memcpy(at, data, n);
    else std::memset(at, 0, n);
    len += NLMSG_ALIGN(n);
    return at;
  }
  nlmsghdr* hdr() { return reinterpret_cast<nlmsghdr*>(buf + msg); }
  template <class T>
  T* begin(uint16_t type, uint16_t flags) {
    msg = len;
    nlmsghdr h{};
    h.nlmsg_type = type;
    h.nlmsg_flags = uint16_t(NLM_F_REQUEST | NLM_F_ACK | flags);
    h.nlmsg_seq = ++seq;
    put(&h, sizeof h);
    auto* body = static_cast<T*>(put(nullptr, sizeof(T)));
    return body;
  }
  void end() { hdr()->nlmsg_len = uint32_t(len - msg); }
  size_t attr(uint16_t type, const void* data, size_t n) {
    size_t at = len;
    nlattr a{uint16_t(NLA_HDRLEN + n), type};
    put(&a, sizeof a);
    if (n) put(data, n);
    return at;
  }
  size_t nest(uint16_t type) { return attr(type, nullptr, 0); }
  void close(size_t at) { reinterpret_cast<nlattr*>(buf + at)->nla_len = uint16_t(len - at); }
  void str(uint16_t type, const char* s) { attr(type, s, std::strlen(s) + 1); }
  void u32(uint16_t type, uint32_t v) { attr(type, &v, sizeof v); }
  void u8(uint16_t type, uint8_t v) { attr(type, &v, sizeof v); }
};

[[noreturn]] void die(const char* what, int err) {
  std::fprintf(stderr, "berth-bench-floor: %s: %s\n", what, std::strerror(err));
  std::exit(1);
}

const char* need(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v) {
    std::fprintf(stderr, "berth-bench-floor: %s is not set\n", name);
    std::exit(2);
  }
  return v;
}

int rtnl_socket() {
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) die("socket(NETLINK_ROUTE)", errno);
  return fd;
}

// Sends the batch and reads one ack per message; the first error ends the process.
void send_batch(int fd, Batch& b, const char* what) {
  if (send(fd, b.buf, b.len, 0) != ssize_t(b.len)) die(what, errno);
  unsigned acked = 0;
  alignas(NLMSG_ALIGNTO) char reply[8192];
  while (acked < b.seq) {
    ssize_t n = recv(fd, reply, sizeof reply, 0);
    if (n < 0) die(what, errno);
    for (auto* h = reinterpret_cast<nlmsghdr*>(reply); NLMSG_OK(h, size_t(n)); h = NLMSG_NEXT(h, n)) {
      if (h->nlmsg_type != NLMSG_ERROR) continue;
      int err = -static_cast<nlmsgerr*>(NLMSG_DATA(h))->error;
      if (err) die(what, err);
      ++acked;
    }
  }
}

int if_index(int sock, const char* name) {
  ifreq ifr{};
  std::strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
  if (ioctl(sock, SIOCGIFINDEX, &ifr) != 0) die(name, errno);
  return ifr.ifr_ifindex;
}

// "10.203.1.7/16" -> address and prefix length.
void parse_cidr(const char* cidr, in_addr* addr, uint8_t* len) {
  char copy[64];
  std::snprintf(copy, sizeof copy, "%s", cidr);
  char* slash = std::strchr(copy, '/');
  if (slash) *slash = 0;
  if (inet_pton(AF_INET, copy, addr) != 1) die(cidr, EINVAL);
  *len = uint8_t(slash ? std::atoi(slash + 1) : 32);
}

// RTM_NEWLINK of an existing link (by index, or by name when index is 0). The kernel
// applies IFLA_AF_SPEC after the flags within one message, so addrgenmode none must be a
// message of its own, before the one bringing the link up (or the link-local is made).
void no_link_local(Batch& b, int index, const char* name) {
  auto* ifi = b.begin<ifinfomsg>(RTM_NEWLINK, 0);
  ifi->ifi_family = AF_UNSPEC;
  ifi->ifi_index = index;
  if (!index) b.str(IFLA_IFNAME, name);
  size_t spec = b.nest(IFLA_AF_SPEC);
  size_t inet6 = b.nest(AF_INET6);
  b.u8(IFLA_INET6_ADDR_GEN_MODE, IN6_ADDR_GEN_MODE_NONE);
  b.close(inet6);
  b.close(spec);
  b.end();
}

void link_up(Batch& b, int index, const char* name) {
  auto* ifi = b.begin<ifinfomsg>(RTM_NEWLINK, 0);
  ifi->ifi_family = AF_UNSPEC;
  ifi->ifi_index = index;
  ifi->ifi_flags = ifi->ifi_change = IFF_UP;
  if (!index) b.str(IFLA_IFNAME, name);
  b.end();
}

void add(bool no_ipv6) {
  const char* bridge = need("FLOOR_BRIDGE");
  const char* host_name = need("FLOOR_HOST_IFNAME");
  const char* ifname = need("FLOOR_IFNAME");
  in_addr addr{}, gw{};
  uint8_t plen = 0, gw_len = 0;
  parse_cidr(need("FLOOR_ADDR"), &addr, &plen);
  parse_cidr(need("FLOOR_GW"), &gw, &gw_len);

  int ns = open(need("FLOOR_NETNS"), O_RDONLY | O_CLOEXEC);
  if (ns < 0) die("open FLOOR_NETNS", errno);
  int host = rtnl_socket();
  int ioctl_sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  const int br = if_index(ioctl_sock, bridge);

  // Host: the pair, host end enslaved (and up, unless IPv6 must go first), peer inside
  // (down: veth refuses to open a peer before the pair is linked, ENOTCONN).
  Batch hb;
  auto* ifi = hb.begin<ifinfomsg>(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
  ifi->ifi_family = AF_UNSPEC;
  if (!no_ipv6) ifi->ifi_flags = ifi->ifi_change = IFF_UP;
  hb.str(IFLA_IFNAME, host_name);
  hb.u32(IFLA_MASTER, uint32_t(br));
  size_t info = hb.nest(IFLA_LINKINFO);
  hb.str(IFLA_INFO_KIND, "veth");
  size_t data = hb.nest(IFLA_INFO_DATA);
  size_t peer = hb.nest(VETH_INFO_PEER);
  auto* pifi = static_cast<ifinfomsg*>(hb.put(nullptr, sizeof(ifinfomsg)));
  pifi->ifi_family = AF_UNSPEC;
  hb.str(IFLA_IFNAME, ifname);
  hb.u32(IFLA_NET_NS_FD, uint32_t(ns));
  hb.close(peer);
  hb.close(data);
  hb.close(info);
  hb.end();
  if (no_ipv6) {
    no_link_local(hb, 0, host_name);
    link_up(hb, 0, host_name);
  }
  send_batch(host, hb, "create veth");

  // Container: one batch, after which nothing is left to do.
  if (setns(ns, CLONE_NEWNET) != 0) die("setns", errno);
  int ctr = rtnl_socket();
  int ctr_ioctl = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  const int index = if_index(ctr_ioctl, ifname);
  Batch cb;
  if (no_ipv6) no_link_local(cb, index, nullptr);
  link_up(cb, index, nullptr);
  auto* ifa = cb.begin<ifaddrmsg>(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
  ifa->ifa_family = AF_INET;
  ifa->ifa_prefixlen = plen;
  ifa->ifa_index = uint32_t(index);
  cb.attr(IFA_LOCAL, &addr, sizeof addr);
  cb.attr(IFA_ADDRESS, &addr, sizeof addr);
  cb.end();
  auto* rt = cb.begin<rtmsg>(RTM_NEWROUTE, NLM_F_CREATE | NLM_F_EXCL);
  rt->rtm_family = AF_INET;
  rt->rtm_table = RT_TABLE_MAIN;
  rt->rtm_protocol = RTPROT_BOOT;
  rt->rtm_scope = RT_SCOPE_UNIVERSE;
  rt->rtm_type = RTN_UNICAST;
  cb.attr(RTA_GATEWAY, &gw, sizeof gw);
  cb.u32(RTA_OIF, uint32_t(index));
  cb.end();
  send_batch(ctr, cb, "configure container");
  std::printf("{}\n");
}

void del() {
  int host = rtnl_socket();
  Batch b;
  auto* ifi = b.begin<ifinfomsg>(RTM_DELLINK, 0);
  ifi->ifi_family = AF_UNSPEC;
  b.str(IFLA_IFNAME, need("FLOOR_HOST_IFNAME"));
  b.end();
  send_batch(host, b, "delete veth");
}

void setup() {
  const char* bridge = need("FLOOR_BRIDGE");
  in_addr gw{};
  uint8_t len = 0;
  parse_cidr(need("FLOOR_GW"), &gw, &len);
  int host = rtnl_socket();
  Batch b;
  auto* ifi = b.begin<ifinfomsg>(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL);
  ifi->ifi_family = AF_UNSPEC;
  ifi->ifi_flags = ifi->ifi_change = IFF_UP;
  b.str(IFLA_IFNAME, bridge);
  size_t info = b.nest(IFLA_LINKINFO);
  b.str(IFLA_INFO_KIND, "bridge");
  b.close(info);
  b.end();
  send_batch(host, b, "create bridge");
  int ioctl_sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  Batch a;
  auto* ifa = a.begin<ifaddrmsg>(RTM_NEWADDR, NLM_F_CREATE | NLM_F_EXCL);
  ifa->ifa_family = AF_INET;
  ifa->ifa_prefixlen = len;
  ifa->ifa_index = uint32_t(if_index(ioctl_sock, bridge));
  a.attr(IFA_LOCAL, &gw, sizeof gw);
  a.attr(IFA_ADDRESS, &gw, sizeof gw);
  a.end();
  send_batch(host, a, "gateway address");
}

}  // namespace

int main() {
  const char* command = need("FLOOR_COMMAND");
  if (!std::strcmp(command, "ADD")) add(std::strcmp(need("FLOOR_IPV6"), "0") == 0);
  else if (!std::strcmp(command, "DEL")) del();
  else if (!std::strcmp(command, "SETUP")) setup();
  else die(command, EINVAL);
  return 0;
}
