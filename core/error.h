// Error values and Result<T>: the one return type of every fallible berth function.
// An Error carries the CNI error code the plugin finally prints, a short message and
// details; layers add context as the error rises ("add address `10.1.0.5/24`: ...").
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <vector>

namespace berth {

// CNI spec codes (1-51) and berth's own (100+, documented in README.md).
enum class Code : int {
  kIncompatibleVersion = 1,
  kUnsupportedField = 2,
  kUnknownContainer = 3,
  kInvalidEnv = 4,
  kIo = 5,
  kDecode = 6,
  kInvalidConfig = 7,
  kTryAgainLater = 11,
  kNotAvailable = 50,
  kNotAvailableDegraded = 51,
  kNetlink = 100,          // a netlink request to the kernel failed
  kNftables = 101,         // an nftables batch was refused
  kAddressInUse = 102,     // a requested address is leased to another container
  kRangeFull = 103,        // no free address is left in a range set
  kDelegate = 104,         // the IPAM plugin could not be found or run
  kNetns = 105,            // CNI_NETNS is not a usable network namespace
  kInterfaceExists = 106,  // CNI_IFNAME already exists in the container
  kStore = 107,            // the lease store could not be read or written
  kCheckFailed = 108,      // CHECK found the attachment differs from prevResult
  kInternal = 999,
};

struct Error {
  Code code = Code::kInternal;
  std::string msg;      // short, lowercase: what failed
  std::string details;  // longer: why, with names quoted in backticks

  // Prefixes `context` to msg: "setup bridge `berth0`" + ": " + msg.
  [[nodiscard]] Error wrap(std::string_view context) const {
    Error e = *this;
    e.msg = std::string(context) + ": " + msg;
    return e;
  }
  [[nodiscard]] std::string what() const {
    return details.empty() ? msg : msg + "; " + details;
  }
};

template <typename T = void>
using Result = std::expected<T, Error>;

inline std::unexpected<Error> fail(Code code, std::string msg, std::string details = {}) {
  return std::unexpected(Error{code, std::move(msg), std::move(details)});
}

// Everything that failed in a best-effort sequence (DEL, GC) as one error: the first
// one's code and message, the others appended to its details. Success when `errors` is
// empty; `context` (if any) is prefixed as by Error::wrap.
[[nodiscard]] Result<> join_errors(const std::vector<Error>& errors, std::string_view context = {});

// An error from a failed system call: msg gets ": <strerror(err)>" appended.
std::unexpected<Error> fail_errno(Code code, std::string msg, int err);

namespace detail {
template <typename T>
T take(std::expected<T, Error>&& r) { return std::move(*r); }
inline void take(std::expected<void, Error>&&) {}
}  // namespace detail

}  // namespace berth

// Propagates the error of a Result-returning expression, else yields its value.
// (GNU statement expression: g++ and clang both support it.)
#define BERTH_TRY(expr)                                          \
  ({                                                             \
    auto berth_try_r_ = (expr);                                   \
    if (!berth_try_r_) return std::unexpected(berth_try_r_.error()); \
    ::berth::detail::take(std::move(berth_try_r_));               \
  })
