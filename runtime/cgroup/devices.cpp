#include "runtime/cgroup/devices.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/fd.h"
#include "runtime/cgroup/limits.h"

namespace berth::runtime {

Result<> apply_device_rules(const std::string& dir) {
  BERTH_TRY(write_cgroup_file(dir, "devices.deny", "a"));
  // mknod of anything; read/write only of the nodes berth gives every container.
  constexpr const char* kAllowed[] = {
      "c *:* m",     "b *:* m",
      "c 1:3 rwm",    // null
      "c 1:5 rwm",    // zero
      "c 1:7 rwm",    // full
      "c 1:8 rwm",    // random
      "c 1:9 rwm",    // urandom
      "c 5:0 rwm",    // tty
      "c 5:1 rwm",    // console
      "c 5:2 rwm",    // ptmx
      "c 136:* rwm",  // the container's own devpts terminals
  };
  // One rule per write(2), all through one descriptor (this is on the start path).
  std::string path = dir + "/devices.allow";
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd.valid()) return fail_errno(Code::kIo, "open `" + path + "`", errno);
  for (const char* rule : kAllowed)
    if (::write(fd.get(), rule, std::strlen(rule)) < 0)
      return fail_errno(Code::kIo, "write `" + std::string(rule) + "` to `" + path + "`", errno);
  return {};
}

}  // namespace berth::runtime
