#include "runtime/rootfs/mounts.h"

#include <fcntl.h>
#include <sys/fsuid.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "core/fd.h"
#include "runtime/rootfs/in_root.h"

namespace berth::runtime {
namespace {

Result<> do_mount(const std::string& src, const std::string& target_shown, int target_fd,
                  const char* type, unsigned long flags, const char* data = nullptr) {
  if (::mount(src.c_str(), fd_path(target_fd).c_str(), type, flags, data) != 0)
    return fail_errno(
        Code::kIo, "mount " + std::string(type ? type : src) + " on `" + target_shown + "`", errno);
  return {};
}

// Re-opens `path` (now a mount point) and remounts that mount read-only. The flags it has
// are kept: in a user namespace those of a bind of a host mount are locked, and a
// remount that would clear them fails.
Result<> remount_ro(int rootfd, const std::string& path, unsigned long extra) {
  auto fd = BERTH_TRY(open_in_root(rootfd, path, O_PATH));
  struct statvfs vfs {};
  if (::fstatvfs(fd.get(), &vfs) == 0) {
    const std::pair<unsigned long, unsigned long> kept[] = {
        {ST_NOSUID, MS_NOSUID},   {ST_NODEV, MS_NODEV},           {ST_NOEXEC, MS_NOEXEC},
        {ST_NOATIME, MS_NOATIME}, {ST_NODIRATIME, MS_NODIRATIME}, {ST_RELATIME, MS_RELATIME}};
    for (auto [st, ms] : kept)
      if (vfs.f_flag & st) extra |= ms;
  }
  if (::mount(nullptr, fd_path(fd.get()).c_str(), nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY | extra,
              nullptr) != 0)
    return fail_errno(Code::kIo, "remount `" + path + "` read-only", errno);
  return {};
}

Result<> mount_dev(int rootfd) {
  auto dev = BERTH_TRY(mkdir_all_in_root(rootfd, "/dev"));
  BERTH_TRY(do_mount("tmpfs", "/dev", dev.get(), "tmpfs", MS_NOSUID | MS_STRICTATIME,
                     "mode=755,size=65536k"));
  // Bind the host's nodes rather than mknod: the same code works in a user namespace.
  for (const char* node : {"null", "zero", "full", "random", "urandom", "tty"}) {
    std::string path = std::string("/dev/") + node;
    auto t = BERTH_TRY(ensure_in_root(rootfd, path, false));
    BERTH_TRY(do_mount(path, path, t.get(), nullptr, MS_BIND));
  }
  auto pts = BERTH_TRY(mkdir_all_in_root(rootfd, "/dev/pts"));
  BERTH_TRY(do_mount("devpts", "/dev/pts", pts.get(), "devpts", MS_NOSUID | MS_NOEXEC,
                     "newinstance,ptmxmode=0666,mode=0620"));
  auto shm = BERTH_TRY(mkdir_all_in_root(rootfd, "/dev/shm"));
  BERTH_TRY(do_mount("shm", "/dev/shm", shm.get(), "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
                     "mode=1777,size=65536k"));
  auto mq = BERTH_TRY(mkdir_all_in_root(rootfd, "/dev/mqueue"));
  (void)do_mount("mqueue", "/dev/mqueue", mq.get(), "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC);
  auto devdir = BERTH_TRY(open_in_root(rootfd, "/dev", O_PATH | O_DIRECTORY));
  const char* links[][2] = {{"pts/ptmx", "ptmx"},          {"/proc/self/fd", "fd"},
                            {"/proc/self/fd/0", "stdin"},  {"/proc/self/fd/1", "stdout"},
                            {"/proc/self/fd/2", "stderr"}, {"/proc/kcore", "core"}};
  for (auto& l : links)
    if (::symlinkat(l[0], devdir.get(), l[1]) != 0 && errno != EEXIST)
      return fail_errno(Code::kIo, std::string("create /dev/") + l[1], errno);
  return {};
}

Result<> mount_proc_sys(int rootfd) {
  auto proc = BERTH_TRY(mkdir_all_in_root(rootfd, "/proc"));
  BERTH_TRY(do_mount("proc", "/proc", proc.get(), "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC));
  auto sys = BERTH_TRY(mkdir_all_in_root(rootfd, "/sys"));
  BERTH_TRY(
      do_mount("sysfs", "/sys", sys.get(), "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC));
  // As Docker: hide kernel internals, and keep kernel knobs read-only.
  for (const char* p : {"/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/sched_debug"}) {
    auto t = open_in_root(rootfd, p, O_PATH);
    if (t) BERTH_TRY(do_mount("/dev/null", p, t->get(), nullptr, MS_BIND));
  }
  for (const char* p : {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"}) {
    auto t = open_in_root(rootfd, p, O_PATH);
    if (!t) continue;
    BERTH_TRY(do_mount(fd_path(t->get()), p, t->get(), nullptr, MS_BIND | MS_REC));
    BERTH_TRY(remount_ro(rootfd, p, MS_NOSUID | MS_NODEV | MS_NOEXEC));
  }
  return {};
}

// crun's way: pivot_root(".", ".") stacks the old root on the new one; unmounting "."
// after fchdir to the old root removes it without needing a directory for it.
Result<> pivot(int newroot, const std::string& merged) {
  UniqueFd oldroot(::open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC));
  if (!oldroot.valid()) return fail_errno(Code::kIo, "open `/`", errno);
  if (::fchdir(newroot) != 0) return fail_errno(Code::kIo, "chdir `" + merged + "`", errno);
  if (::syscall(SYS_pivot_root, ".", ".") != 0)
    return fail_errno(Code::kIo, "pivot_root into `" + merged + "`", errno);
  if (::fchdir(oldroot.get()) != 0) return fail_errno(Code::kIo, "chdir to the old root", errno);
  if (::mount(nullptr, ".", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
    return fail_errno(Code::kIo, "make the old root private", errno);
  while (::umount2(".", MNT_DETACH) == 0) {
  }
  if (errno != EINVAL) return fail_errno(Code::kIo, "unmount the old root", errno);
  if (::fchdir(newroot) != 0 || ::chdir("/") != 0)
    return fail_errno(Code::kIo, "chdir to the new root", errno);
  return {};
}

// The overlay on spec.merged; its root.
Result<UniqueFd> mount_overlay(const RootfsSpec& spec) {
  for (const auto* p : {&spec.lower, &spec.upper, &spec.work, &spec.merged})
    BERTH_TRY(check_overlay_path(*p));
  std::string opts = "lowerdir=" + spec.lower + ",upperdir=" + spec.upper + ",workdir=" + spec.work;
  if (::mount("overlay", spec.merged.c_str(), "overlay", 0, opts.c_str()) != 0)
    return fail_errno(Code::kIo, "mount overlay on `" + spec.merged + "`", errno);
  UniqueFd root(::open(spec.merged.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root.valid()) return fail_errno(Code::kIo, "open `" + spec.merged + "`", errno);
  return root;
}

// The /etc files and volumes. With a user namespace (done by host root, see
// userns_rootfs.h) missing mount points are made as the container's root, so that they
// are its own inside and stored under its mapped ids.
Result<> mount_binds(int rootfd, const RootfsSpec& spec) {
  for (const auto& b : spec.binds) {
    struct stat st {};
    if (::stat(b.source.c_str(), &st) != 0)
      return fail_errno(Code::kIo, "bind `" + b.source + "`", errno);
    if (spec.userns) ::setfsuid(spec.root_uid), ::setfsgid(spec.root_gid);
    auto t = ensure_in_root(rootfd, b.target, S_ISDIR(st.st_mode));
    if (spec.userns) ::setfsuid(0), ::setfsgid(0);
    if (!t) return std::unexpected(t.error());
    BERTH_TRY(do_mount(b.source, b.target, t->get(), nullptr, MS_BIND | MS_REC));
    if (b.read_only) BERTH_TRY(remount_ro(rootfd, b.target, 0));
  }
  return {};
}

// In a user namespace the overlay (mounted by the host side) came with the mount
// namespace and is locked to it, which pivot_root refuses: the init's working directory
// (the overlay's root, see userns_rootfs.h) is cloned and the clone, a mount of the
// container's own, mounted on top. Returns its root.
Result<UniqueFd> own_copy_of_cwd() {
  UniqueFd tree(::open_tree(AT_FDCWD, ".", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE));
  if (!tree.valid()) return fail_errno(Code::kIo, "clone the rootfs mount", errno);
  if (::move_mount(tree.get(), "", AT_FDCWD, ".", MOVE_MOUNT_F_EMPTY_PATH) != 0)
    return fail_errno(Code::kIo, "mount the rootfs clone", errno);
  return tree;
}

}  // namespace

Result<> check_overlay_path(const std::string& path) {
  if (path.empty() || path[0] != '/' || path.find_first_of(",:") != std::string::npos)
    return fail(Code::kInvalidConfig, "path `" + path + "` cannot be used by overlayfs",
                "it must be absolute and contain no ',' or ':'");
  return {};
}

Result<UniqueFd> mount_layers(const RootfsSpec& spec) {
  auto root = BERTH_TRY(mount_overlay(spec));
  BERTH_TRY(mount_binds(root.get(), spec));
  return root;
}

Result<> setup_rootfs(const RootfsSpec& spec) {
  // Private first: nothing mounted from here on may propagate back to the host.
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
    return fail_errno(Code::kIo, "make mounts private", errno);
  UniqueFd root = BERTH_TRY(spec.userns ? own_copy_of_cwd() : mount_overlay(spec));
  BERTH_TRY(mount_proc_sys(root.get()));
  BERTH_TRY(mount_dev(root.get()));
  if (!spec.userns) BERTH_TRY(mount_binds(root.get(), spec));
  return pivot(root.get(), spec.merged);
}

}  // namespace berth::runtime
