#include "core/nft/socket.h"

#include <libnftnl/common.h>
#include <linux/netfilter/nfnetlink.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <utility>

#include "core/failpoint.h"
#include "core/nft/batch.h"

namespace berth::nft {
namespace {

// Dump replies are at most 32 KiB per datagram (the kernel's cap); twice that is safe.
constexpr size_t kRxSize = 64 * 1024;
constexpr int kDumpAttempts = 3;

const nlmsgerr* as_error(const nlmsghdr* nlh) {
  if (nlh->nlmsg_type != NLMSG_ERROR || nlh->nlmsg_len < mnl_nlmsg_size(sizeof(nlmsgerr)))
    return nullptr;
  return static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(nlh));
}

}  // namespace

Result<Socket> Socket::open() {
  // SOCK_CLOEXEC: plugins exec IPAM delegates, which must not inherit this socket.
  UniqueMnlSocket nl(mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC));
  if (!nl) return fail_errno(Code::kNftables, "open nftables netlink socket", errno);
  if (mnl_socket_bind(nl.get(), 0, MNL_SOCKET_AUTOPID) < 0)
    return fail_errno(Code::kNftables, "bind nftables netlink socket", errno);
  return Socket(std::move(nl));
}

Socket::Socket(UniqueMnlSocket nl)
    : nl_(std::move(nl)),
      portid_(mnl_socket_get_portid(nl_.get())),
      seq_(uint32_t(std::time(nullptr))),
      rx_(kRxSize) {}

int Socket::fd() const { return mnl_socket_get_fd(nl_.get()); }

void Socket::drain() {
  while (recv(mnl_socket_get_fd(nl_.get()), rx_.data(), rx_.size(), MSG_DONTWAIT) > 0) {
  }
}

void Socket::fit_sndbuf(size_t len) {
  int fd = mnl_socket_get_fd(nl_.get());
  int cur = 0;
  socklen_t sl = sizeof cur;
  // netlink refuses a datagram larger than the send buffer (which reads back doubled).
  if (getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &cur, &sl) == 0 && len + 64 < size_t(cur)) return;
  int want = int(len + 4096);
  // FORCE goes past net.core.wmem_max; it needs CAP_NET_ADMIN, which nftables needs anyway.
  if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &want, sizeof want) != 0)
    (void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &want, sizeof want);
}

Result<> Socket::commit(Batch& batch) {
  std::span<const char> data = batch.finish();
  const auto& msgs = batch.messages();
  if (msgs.empty()) return {};
  drain();
  fit_sndbuf(data.size());
  if (mnl_socket_sendto(nl_.get(), data.data(), data.size()) < 0)
    return fail_errno(Code::kNftables, "send nftables batch", errno);
  failpoint("nft.batch.sent");  // the kernel has applied it (or refused it) by now

  // The kernel runs the whole batch inside sendmsg(), so every reply is queued by now:
  // read without blocking until the queue is empty.
  std::vector<bool> acked(msgs.size(), false);
  std::optional<Error> refused;
  int fd = mnl_socket_get_fd(nl_.get());
  for (;;) {
    ssize_t n = recv(fd, rx_.data(), rx_.size(), MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    if (n < 0) return fail_errno(Code::kNftables, "receive nftables batch replies", errno);
    int len = int(n);
    for (auto* nlh = reinterpret_cast<const nlmsghdr*>(rx_.data()); mnl_nlmsg_ok(nlh, len);
         nlh = mnl_nlmsg_next(nlh, &len)) {
      const nlmsgerr* err = as_error(nlh);
      if (!err) continue;
      std::string msg = "nftables batch refused";
      for (size_t i = 0; i < msgs.size(); ++i) {
        if (msgs[i].seq != nlh->nlmsg_seq) continue;
        acked[i] = true;
        msg += ": " + msgs[i].what;
      }
      // Keep the first refusal: later ones are often consequences of it. (A refusal of
      // the batch as such, e.g. EPERM, comes with the BEGIN message's seq.)
      if (err->error != 0 && !refused)
        refused = fail_errno(Code::kNftables, msg, -err->error).error();
    }
  }
  if (refused) return std::unexpected(*refused);
  for (size_t i = 0; i < msgs.size(); ++i)
    if (!acked[i])
      return fail(Code::kNftables, "nftables batch: no acknowledgement for " + msgs[i].what);
  return {};
}

Result<std::optional<std::vector<Socket::Message>>> Socket::get(
    uint16_t type, uint16_t family, bool dump, const std::function<void(nlmsghdr*)>& payload) {
  int fd = mnl_socket_get_fd(nl_.get());
  for (int attempt = 0; attempt < kDumpAttempts; ++attempt) {
    drain();
    std::vector<char> req(MNL_SOCKET_BUFFER_SIZE);
    uint32_t seq = ++seq_;
    nlmsghdr* nlh =
        nftnl_nlmsg_build_hdr(req.data(), type, family, dump ? NLM_F_DUMP : NLM_F_ACK, seq);
    if (payload) payload(nlh);
    if (mnl_socket_sendto(nl_.get(), nlh, nlh->nlmsg_len) < 0)
      return fail_errno(Code::kNftables, "send nftables request", errno);

    std::vector<Message> out;
    bool done = false, interrupted = false;
    while (!done) {
      ssize_t n = recv(fd, rx_.data(), rx_.size(), 0);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return fail_errno(Code::kNftables, "receive nftables reply", errno);
      int len = int(n);
      for (auto* m = reinterpret_cast<const nlmsghdr*>(rx_.data()); mnl_nlmsg_ok(m, len);
           m = mnl_nlmsg_next(m, &len)) {
        if (m->nlmsg_seq != seq || m->nlmsg_pid != portid_) continue;  // stale
        if (m->nlmsg_flags & NLM_F_DUMP_INTR) interrupted = true;
        if (m->nlmsg_type == NLMSG_DONE) {
          done = true;
        } else if (const nlmsgerr* err = as_error(m)) {
          if (err->error == -ENOENT) return std::nullopt;
          if (err->error != 0) return fail_errno(Code::kNftables, "nftables request", -err->error);
          done = true;  // the ack that ends a non-dump request
        } else if (m->nlmsg_type != NLMSG_NOOP) {
          const auto* p = reinterpret_cast<const char*>(m);
          out.emplace_back(p, p + m->nlmsg_len);
        }
      }
    }
    if (!interrupted) return out;
  }
  return fail(Code::kNftables, "nftables dump: the ruleset kept changing while being read");
}

}  // namespace berth::nft
