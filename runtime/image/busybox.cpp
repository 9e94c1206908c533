// The default image, made from the host's static busybox: the binary, one symlink per
// applet where `busybox --list-full` puts it, and the few files a shell expects.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <string>
#include <vector>

#include "core/fd.h"
#include "runtime/image/store.h"
#include "runtime/rootfs/in_root.h"

namespace berth::runtime {
namespace {

// Runs `busybox --list-full` (no shell) and returns its lines ("bin/sh", "usr/bin/wget"...).
Result<std::vector<std::string>> list_applets() {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return fail_errno(Code::kIo, "pipe", errno);
  UniqueFd r(p[0]), w(p[1]);
  pid_t pid = ::fork();
  if (pid < 0) return fail_errno(Code::kIo, "fork", errno);
  if (pid == 0) {
    ::dup2(w.get(), 1);
    const char* argv[] = {"busybox", "--list-full", nullptr};
    ::execv(kBusyboxBinary, const_cast<char* const*>(argv));
    _exit(127);
  }
  w.reset();
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::read(r.get(), buf, sizeof buf)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    out.append(buf, size_t(n));
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || out.empty())
    return fail(Code::kIo, "`" + std::string(kBusyboxBinary) + " --list-full` failed");
  std::vector<std::string> lines;
  for (size_t start = 0; start < out.size();) {
    size_t nl = out.find('\n', start);
    if (nl == std::string::npos) nl = out.size();
    if (nl > start) lines.push_back(out.substr(start, nl - start));
    start = nl + 1;
  }
  return lines;
}

Result<> write_file(const std::string& path, const std::string& text, mode_t mode) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode));
  if (!fd.valid() || ::write(fd.get(), text.data(), text.size()) != ssize_t(text.size()))
    return fail_errno(Code::kIo, "write `" + path + "`", errno);
  return {};
}

}  // namespace

Result<> build_busybox_rootfs(const std::string& rootfs) {
  if (::access(kBusyboxBinary, X_OK) != 0)
    return fail(Code::kNotAvailable,
                "cannot build the busybox image: `" + std::string(kBusyboxBinary) + "` is missing",
                "install Debian's busybox-static (scripts/setup.sh does)");
  UniqueFd root(::open(rootfs.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root.valid()) return fail_errno(Code::kIo, "open `" + rootfs + "`", errno);
  for (const char* d : {"bin", "dev", "etc", "home", "proc", "root", "sys", "tmp", "usr/bin",
                        "usr/sbin", "sbin", "var/log", "var/run", "var/www"})
    BERTH_TRY(mkdir_all_in_root(root.get(), d));
  ::chmod((rootfs + "/tmp").c_str(), 01777);
  ::chmod((rootfs + "/root").c_str(), 0700);

  std::ifstream in(kBusyboxBinary, std::ios::binary);
  std::ofstream out(rootfs + "/bin/busybox", std::ios::binary);
  out << in.rdbuf();
  out.close();
  if (!out || ::chmod((rootfs + "/bin/busybox").c_str(), 0755) != 0)
    return fail_errno(Code::kIo, "copy `" + std::string(kBusyboxBinary) + "`", errno);

  for (const auto& applet : BERTH_TRY(list_applets())) {
    if (applet == "bin/busybox") continue;
    auto [dir, base] = BERTH_TRY(open_parent_in_root(root.get(), applet));
    if (::symlinkat("/bin/busybox", dir.get(), base.c_str()) != 0 && errno != EEXIST)
      return fail_errno(Code::kIo, "link applet `" + applet + "`", errno);
  }
  BERTH_TRY(write_file(rootfs + "/etc/passwd",
                       "root:x:0:0:root:/root:/bin/sh\n"
                       "daemon:x:1:1:daemon:/usr/sbin:/bin/false\n"
                       "www-data:x:33:33:www-data:/var/www:/bin/false\n"
                       "nobody:x:65534:65534:nobody:/nonexistent:/bin/false\n",
                       0644));
  BERTH_TRY(write_file(rootfs + "/etc/group",
                       "root:x:0:\ndaemon:x:1:\ntty:x:5:\nwww-data:x:33:\nnogroup:x:65534:\n",
                       0644));
  BERTH_TRY(write_file(rootfs + "/etc/shadow", "root:*:19000:0:99999:7:::\n", 0640));
  return {};
}

}  // namespace berth::runtime
