#include "runtime/rootfs/userns_rootfs.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>

#include "core/fd.h"

namespace berth::runtime {
namespace {

// `path` mounted over with an idmapped clone of its own mount.
Result<> idmap_over(const std::string& path, int userns_fd) {
  UniqueFd tree(::open_tree(AT_FDCWD, path.c_str(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC));
  if (!tree.valid()) return fail_errno(Code::kIo, "clone the mount of `" + path + "`", errno);
  mount_attr attr{};
  attr.attr_set = MOUNT_ATTR_IDMAP;
  attr.userns_fd = uint64_t(userns_fd);
  if (::mount_setattr(tree.get(), "", AT_EMPTY_PATH, &attr, sizeof attr) != 0)
    return fail_errno(Code::kIo, "idmap the mount of `" + path + "`", errno);
  if (::move_mount(tree.get(), "", AT_FDCWD, path.c_str(), MOVE_MOUNT_F_EMPTY_PATH) != 0)
    return fail_errno(Code::kIo, "mount the idmapped `" + path + "`", errno);
  return {};
}

}  // namespace

Result<> prepare_userns_rootfs(const RootfsSpec& spec, int userns_fd) {
  if (::unshare(CLONE_NEWNS) != 0)
    return fail_errno(Code::kInternal, "create a mount namespace", errno);
  // Private: nothing mounted here may propagate back to the host.
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
    return fail_errno(Code::kIo, "make mounts private", errno);
  // Only the image's layer is idmapped. The upper directory belongs to the container's
  // root on the host instead (launch chowns it): what the container writes is stored
  // under its mapped ids, never as host root (a set-uid file made inside stays harmless
  // outside).
  BERTH_TRY(idmap_over(spec.lower, userns_fd));
  UniqueFd root = BERTH_TRY(mount_layers(spec));
  if (::fchdir(root.get()) != 0) return fail_errno(Code::kIo, "chdir into the rootfs", errno);
  return {};
}

}  // namespace berth::runtime
