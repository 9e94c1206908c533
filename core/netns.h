// Network namespaces: open by path (RAII), compare, and run work inside one on a
// throw-away thread so the calling thread never leaves its own namespace.
#pragma once

#include <sys/stat.h>

#include <string>
#include <optional>
#include <thread>
#include <type_traits>

#include "core/error.h"
#include "core/fd.h"

namespace berth {

class NetNs {
 public:
  // Opens `path` (/proc/<pid>/ns/net, /run/netns/<name>, ...). Code 3 when the path does
  // not exist (the namespace is gone), code 105 when it exists but is no network namespace.
  [[nodiscard]] static Result<NetNs> open(const std::string& path);
  // The calling thread's network namespace.
  [[nodiscard]] static Result<NetNs> current();

  [[nodiscard]] int fd() const { return fd_.get(); }
  [[nodiscard]] const std::string& path() const { return path_; }
  // Same namespace (device and inode of the nsfs file), whatever the paths.
  [[nodiscard]] bool same_as(const NetNs& o) const { return dev_ == o.dev_ && ino_ == o.ino_; }

  // Runs fn() on a new thread that first enters this namespace, and returns its result.
  // fn must return a Result<...>. The thread ends with fn; nothing else is affected.
  template <typename F>
  auto run_in(F&& fn) const -> std::invoke_result_t<F> {
    using R = std::invoke_result_t<F>;
    std::optional<R> out;
    int err = 0;
    std::thread t([&] {
      if (enter() != 0) {
        err = errno;
        return;
      }
      out.emplace(fn());
    });
    t.join();
    if (!out) return fail_errno(Code::kNetns, "enter netns `" + path_ + "`", err);
    return std::move(*out);
  }

 private:
  int enter() const;  // setns on the calling thread; 0 or -1/errno
  UniqueFd fd_;
  std::string path_;
  dev_t dev_ = 0;
  ino_t ino_ = 0;
};

}  // namespace berth
