#include "runtime/process/userns.h"

#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

namespace berth::runtime {
namespace {

Result<> write_file(const std::string& path, const std::string& text) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd.valid()) return fail_errno(Code::kInternal, "open `" + path + "`", errno);
  // One write: the kernel takes a map only whole, and only once.
  if (::write(fd.get(), text.data(), text.size()) != ssize_t(text.size()))
    return fail_errno(Code::kInternal, "write `" + path + "`", errno);
  return {};
}

}  // namespace

Result<UniqueFd> create_userns(const IdMap& uids, const IdMap& gids) {
  int ready[2], done[2];
  if (::pipe2(ready, O_CLOEXEC) != 0) return fail_errno(Code::kIo, "pipe", errno);
  UniqueFd ready_r(ready[0]), ready_w(ready[1]);
  if (::pipe2(done, O_CLOEXEC) != 0) return fail_errno(Code::kIo, "pipe", errno);
  UniqueFd done_r(done[0]), done_w(done[1]);
  pid_t pid = ::fork();
  if (pid < 0) return fail_errno(Code::kInternal, "fork", errno);
  if (pid == 0) {
    // Only system calls from here: the parent may have threads.
    done_w.reset();
    if (::unshare(CLONE_NEWUSER) != 0) _exit(1);
    char b = 1;
    if (::write(ready_w.get(), &b, 1) != 1) _exit(1);
    (void)::read(done_r.get(), &b, 1);  // until the parent has its descriptor
    _exit(0);
  }
  ready_w.reset();
  done_r.reset();
  auto finish = [&] {
    done_w.reset();
    while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
  };
  char b = 0;
  if (::read(ready_r.get(), &b, 1) != 1) {
    finish();
    return fail(Code::kInternal, "create a user namespace", "unshare(CLONE_NEWUSER) failed");
  }
  std::string proc = "/proc/" + std::to_string(pid);
  Result<> r = write_file(proc + "/uid_map", map_file_text(uids));
  if (r) r = write_file(proc + "/gid_map", map_file_text(gids));
  UniqueFd ns;
  if (r) {
    ns.reset(::open((proc + "/ns/user").c_str(), O_RDONLY | O_CLOEXEC));
    if (!ns.valid()) r = fail_errno(Code::kInternal, "open the user namespace", errno);
  }
  finish();
  if (!r) return std::unexpected(r.error().wrap("set up the user namespace"));
  return ns;
}

Result<> become_userns_root(int userns_fd) {
  if (::setns(userns_fd, CLONE_NEWUSER) != 0)
    return fail_errno(Code::kInternal, "join the user namespace", errno);
  // Our host ids mean nothing inside until we take the namespace's own root.
  if (::setresgid(0, 0, 0) != 0 || ::setgroups(0, nullptr) != 0 || ::setresuid(0, 0, 0) != 0)
    return fail_errno(Code::kInternal, "become root in the user namespace", errno);
  return {};
}

Result<> own_for_root(const std::string& path, const IdMap& uids, const IdMap& gids) {
  auto uid = host_id(uids, 0), gid = host_id(gids, 0);
  if (!uid || !gid) return fail(Code::kInvalidConfig, "the container's root is not mapped");
  if (::lchown(path.c_str(), *uid, *gid) != 0)
    return fail_errno(Code::kIo, "chown `" + path + "`", errno);
  return {};
}

}  // namespace berth::runtime
