#include "core/error.h"

#include <cstring>

namespace berth {

std::unexpected<Error> fail_errno(Code code, std::string msg, int err) {
  msg += ": ";
  msg += std::strerror(err);
  return std::unexpected(Error{code, std::move(msg), {}});
}

}  // namespace berth
