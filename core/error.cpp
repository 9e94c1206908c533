#include "core/error.h"

#include <cerrno>
#include <cstring>

namespace berth {

std::unexpected<Error> fail_errno(Code code, std::string msg, int err) {
  msg += ": ";
  msg += std::strerror(err);
  // The usual cause of EPERM here is a caller without the privileges berth needs; say which.
  std::string details;
  if (err == EPERM)
    details = "berth needs root: CAP_NET_ADMIN for links, addresses, routes and nftables, "
              "CAP_SYS_ADMIN to enter namespaces";
  return std::unexpected(Error{code, std::move(msg), std::move(details)});
}

Result<> join_errors(const std::vector<Error>& errors, std::string_view context) {
  if (errors.empty()) return {};
  Error all = errors.front();
  for (size_t i = 1; i < errors.size(); ++i)
    all.details += (all.details.empty() ? "" : "; ") + errors[i].what();
  return std::unexpected(context.empty() ? all : all.wrap(context));
}

}  // namespace berth
