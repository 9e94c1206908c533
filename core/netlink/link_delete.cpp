#include "core/netlink/link_delete.h"

#include <fcntl.h>
#include <linux/close_range.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <vector>

#include "core/fd.h"
#include "core/netlink/link.h"

namespace berth::netlink {
namespace {

// Closes every descriptor from 3 up but those in `keep` (sorted).
void close_all_but(std::span<const int> keep) {
  unsigned from = 3;
  for (int fd : keep) {
    if (fd < 3) continue;
    if (unsigned(fd) > from) ::syscall(SYS_close_range, from, unsigned(fd) - 1, 0);
    from = std::max(from, unsigned(fd) + 1);
  }
  ::syscall(SYS_close_range, from, UINT_MAX, 0);
}

// Sends RTM_DELLINK for `index`; true when the kernel acknowledged it.
bool send_delete(int index) {
  int sock = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (sock < 0) return false;
  struct {
    nlmsghdr hdr;
    ifinfomsg ifi;
  } req{};
  req.hdr.nlmsg_len = sizeof req;
  req.hdr.nlmsg_type = RTM_DELLINK;
  req.hdr.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
  req.hdr.nlmsg_seq = 1;
  req.ifi.ifi_family = AF_UNSPEC;
  req.ifi.ifi_index = index;
  if (::send(sock, &req, sizeof req, 0) != ssize_t(sizeof req)) return false;
  alignas(nlmsghdr) char buf[1024];
  ssize_t n = ::recv(sock, buf, sizeof buf, 0);
  if (n < ssize_t(NLMSG_HDRLEN + sizeof(nlmsgerr))) return false;
  auto* hdr = reinterpret_cast<nlmsghdr*>(buf);
  return hdr->nlmsg_type == NLMSG_ERROR && static_cast<nlmsgerr*>(NLMSG_DATA(hdr))->error == 0;
}

// The child: plain syscalls only, no allocation (it is a fork of a process that may hold
// library locks). Says on `status_fd` whether the kernel took the request, then holds
// `keep` (sorted; the lingering descriptors and its own two) until `hold_fd` reads
// end-of-file: every copy of its write end, the parent's, is closed.
[[noreturn]] void child_main(int index, int status_fd, int hold_fd, std::span<const int> keep) {
  // Nothing else of the parent's may stay open: a CNI runtime reads the plugin's stdout
  // until every writer closed it, and must not wait for this child.
  int devnull = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  for (int fd = 0; fd < 3; ++fd) ::dup2(devnull, fd);
  close_all_but(keep);
  char ok = send_delete(index) ? 1 : 0;
  (void)!::write(status_fd, &ok, 1);
  ::close(status_fd);
  char byte;
  while (::read(hold_fd, &byte, 1) != 0 && errno == EINTR) {
  }
  _exit(ok ? 0 : 1);
}

// A route socket subscribed to link events of the calling process's namespace.
int open_link_events() {
  int sock = ::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (sock < 0) return -1;
  sockaddr_nl addr{};
  addr.nl_family = AF_NETLINK;
  addr.nl_groups = RTMGRP_LINK;
  if (::bind(sock, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(sock);
    return -1;
  }
  return sock;
}

// True when the events read from `sock` include the deletion of link `index`.
bool saw_deletion(int sock, int index) {
  alignas(nlmsghdr) char buf[16384];
  for (;;) {
    ssize_t n = ::recv(sock, buf, sizeof buf, MSG_DONTWAIT);
    if (n <= 0) return false;  // drained (or overrun: the caller looks the link up)
    for (auto* h = reinterpret_cast<nlmsghdr*>(buf); NLMSG_OK(h, size_t(n));
         h = NLMSG_NEXT(h, n))
      if (h->nlmsg_type == RTM_DELLINK &&
          static_cast<ifinfomsg*>(NLMSG_DATA(h))->ifi_index == index)
        return true;
  }
}

}  // namespace

Result<bool> delete_link_unwaited(const Socket& s, const std::string& name,
                                  std::span<const int> linger) {
  auto link = BERTH_TRY(get_link(s, name));
  if (!link) return false;
  const int index = link->index;
  // Subscribed before the request is sent, so the deletion's event cannot be missed.
  UniqueFd events(open_link_events());
  int status[2], hold[2];
  if (!events.valid() || ::pipe2(status, O_CLOEXEC) != 0) return delete_link(s, name);
  UniqueFd status_r(status[0]), status_w(status[1]);
  if (::pipe2(hold, O_CLOEXEC) != 0) return delete_link(s, name);
  UniqueFd hold_r(hold[0]);
  // Deliberately never closed by us: it reaches end-of-file in the child when we exit.
  const int hold_w = hold[1];
  std::vector<int> keep(linger.begin(), linger.end());
  keep.push_back(status_w.get());
  keep.push_back(hold_r.get());
  std::sort(keep.begin(), keep.end());
  pid_t child = ::fork();
  if (child < 0) {
    ::close(hold_w);
    return delete_link(s, name);
  }
  if (child == 0) child_main(index, status_w.get(), hold_r.get(), keep);
  status_w.reset();
  hold_r.reset();
  for (int waits = 0; waits < 100; ++waits) {  // ~10 s, then the kernel is stuck
    pollfd fds[2] = {{events.get(), POLLIN, 0}, {status_r.get(), POLLIN, 0}};
    int ready = ::poll(fds, 2, 100);
    if (ready < 0 && errno != EINTR) break;
    if (fds[0].revents && saw_deletion(events.get(), index)) return true;
    // Indexes are allocated cyclically: a vanished index is our link gone, never a new
    // link that took its place. Looked up after an overrun, a timeout or the child's word.
    if (ready == 0 || fds[1].revents || (fds[0].revents & POLLERR)) {
      if (!BERTH_TRY(get_link(s, index))) return true;
      if (fds[1].revents) break;  // the kernel refused the child: a waited delete says why
    }
  }
  return delete_link(s, name);
}

}  // namespace berth::netlink
