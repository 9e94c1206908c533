#include "core/netlink/socket.h"

#include <netlink/errno.h>

#include <cerrno>

namespace berth::netlink {

std::unexpected<Error> nl_fail(const std::string& action, int nl_err) {
  // As fail_errno's EPERM: the same message, plus which privileges berth needs.
  if (nl_err == -NLE_PERM || nl_err == NLE_PERM) return fail_errno(Code::kNetlink, action, EPERM);
  return fail(Code::kNetlink, action + ": " + nl_geterror(nl_err));
}

Result<Socket> Socket::open() {
  Socket s;
  s.sock_.reset(nl_socket_alloc());
  if (!s.sock_) return fail(Code::kNetlink, "allocate netlink socket");
  if (int err = nl_connect(s.sock_.get(), NETLINK_ROUTE); err < 0)
    return nl_fail("connect netlink socket", err);
  // The kernel's answers to our own requests are all we read; a big buffer avoids
  // ENOBUFS on dumps.
  nl_socket_set_buffer_size(s.sock_.get(), 1 << 20, 1 << 20);
  return s;
}

Result<Socket> Socket::open_in(const NetNs& ns) {
  return ns.run_in([] { return Socket::open(); });
}

Result<CachePtr> dump(const std::string& what, const std::function<int(nl_cache**)>& alloc_cache) {
  int err = 0;
  for (int attempt = 0; attempt < 10; ++attempt) {
    nl_cache* c = nullptr;
    err = alloc_cache(&c);
    if (err >= 0) return CachePtr(c);
    if (err != -NLE_DUMP_INTR) break;  // the table changed under us: dump again
  }
  return nl_fail("dump " + what, err);
}

}  // namespace berth::netlink
