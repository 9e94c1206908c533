#include "core/error.h"

#include <cstring>

namespace berth {

std::unexpected<Error> fail_errno(Code code, std::string msg, int err) {
  msg += ": ";
  msg += std::strerror(err);
  return std::unexpected(Error{code, std::move(msg), {}});
}

Result<> join_errors(const std::vector<Error>& errors, std::string_view context) {
  if (errors.empty()) return {};
  Error all = errors.front();
  for (size_t i = 1; i < errors.size(); ++i)
    all.details += (all.details.empty() ? "" : "; ") + errors[i].what();
  return std::unexpected(context.empty() ? all : all.wrap(context));
}

}  // namespace berth
