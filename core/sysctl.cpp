#include "core/sysctl.h"

#include <fcntl.h>
#include <unistd.h>

#include "core/fd.h"

namespace berth {

Result<std::string> sysctl_get(const std::string& key) {
  std::string path = "/proc/sys/" + key;
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return fail_errno(Code::kIo, "read sysctl `" + key + "`", errno);
  char buf[256];
  ssize_t n = ::read(fd.get(), buf, sizeof buf - 1);
  if (n < 0) return fail_errno(Code::kIo, "read sysctl `" + key + "`", errno);
  std::string v(buf, size_t(n));
  while (!v.empty() && (v.back() == '\n' || v.back() == ' ')) v.pop_back();
  return v;
}

Result<> sysctl_set(const std::string& key, const std::string& value) {
  if (auto cur = sysctl_get(key); cur && *cur == value) return {};
  std::string path = "/proc/sys/" + key;
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd.valid()) return fail_errno(Code::kIo, "set sysctl `" + key + "`", errno);
  if (::write(fd.get(), value.data(), value.size()) != ssize_t(value.size()))
    return fail_errno(Code::kIo, "set sysctl `" + key + "`", errno);
  return {};
}

}  // namespace berth
