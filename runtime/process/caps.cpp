#include "runtime/process/caps.h"

#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

namespace berth::runtime {
namespace {

int last_cap() {
  // The running kernel may know more capabilities than our headers.
  int last = CAP_LAST_CAP;
  if (FILE* f = std::fopen("/proc/sys/kernel/cap_last_cap", "re")) {
    if (std::fscanf(f, "%d", &last) != 1) last = CAP_LAST_CAP;
    std::fclose(f);
  }
  return last;
}

}  // namespace

uint64_t default_capabilities() {
  constexpr int kCaps[] = {CAP_CHOWN,   CAP_DAC_OVERRIDE, CAP_FSETID,           CAP_FOWNER,
                           CAP_MKNOD,   CAP_NET_RAW,      CAP_SETGID,           CAP_SETUID,
                           CAP_SETFCAP, CAP_SETPCAP,      CAP_NET_BIND_SERVICE, CAP_SYS_CHROOT,
                           CAP_KILL,    CAP_AUDIT_WRITE};
  uint64_t mask = 0;
  for (int c : kCaps) mask |= uint64_t(1) << c;
  return mask;
}

Result<> restrict_capabilities() {
  const uint64_t keep = default_capabilities();
  for (int c = 0, last = last_cap(); c <= last && c < 64; ++c) {
    if (keep & (uint64_t(1) << c)) continue;
    if (::prctl(PR_CAPBSET_DROP, c, 0, 0, 0) != 0 && errno != EINVAL)
      return fail_errno(Code::kInternal, "drop capability " + std::to_string(c), errno);
  }
  ::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
  __user_cap_header_struct hdr{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2]{};
  for (int i = 0; i < 2; ++i) {
    auto word = uint32_t(keep >> (32 * i));
    data[i].effective = data[i].permitted = word;
    // Empty, as Docker's since CVE-2022-24769: an inheritable set would let a program
    // with file-inheritable capabilities gain them even when run by a non-root user.
    data[i].inheritable = 0;
  }
  if (::syscall(SYS_capset, &hdr, data) != 0)
    return fail_errno(Code::kInternal, "set capabilities", errno);
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
    return fail_errno(Code::kInternal, "set no_new_privs", errno);
  return {};
}

}  // namespace berth::runtime
