#include "runtime/container/store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "runtime/container/id.h"

namespace berth::runtime {
namespace {

// mkdir -p with mode 0700: <root>, containers/ and netns/ are berth's alone. Nothing
// below needs others to pass through: a container sees its rootfs after pivot_root, its
// bind mounts by their mounts, never by these paths.
Result<> mkdir_p(const std::string& path) {
  std::string cur;
  for (size_t pos = 0; pos != std::string::npos;) {
    pos = path.find('/', pos + 1);
    cur = path.substr(0, pos);
    if (cur.empty()) continue;
    if (::mkdir(cur.c_str(), 0700) != 0 && errno != EEXIST)
      return fail_errno(Code::kIo, "create directory `" + cur + "`", errno);
  }
  return {};
}

// The container's directory, opened without following a symlink: one planted in
// containers/ (or a container directory replaced by one) is refused, so no read, write
// or lock of a container ever lands outside the store. Code 3 when it does not exist.
Result<UniqueFd> open_container_dir(const std::string& path, const std::string& id) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (fd.valid()) return fd;
  if (errno == ENOENT) return fail(Code::kUnknownContainer, "no such container: `" + id + "`");
  if (errno == ELOOP || errno == ENOTDIR)
    return fail(Code::kIo, "refusing to use `" + path + "`",
                "it is not a directory (a symlink?); berth never follows one in its store");
  return fail_errno(Code::kIo, "open `" + path + "`", errno);
}

}  // namespace

Result<> Store::init() const {
  BERTH_TRY(mkdir_p(containers_dir()));
  BERTH_TRY(mkdir_p(root_ + "/netns"));
  return {};
}

Result<Container> Store::load(const std::string& id) const {
  std::string path = dir(id) + "/state.json";
  auto d = BERTH_TRY(open_container_dir(dir(id), id));
  UniqueFd f(::openat(d.get(), "state.json", O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!f.valid()) {
    if (errno == ENOENT) return fail(Code::kUnknownContainer, "no such container: `" + id + "`");
    return fail_errno(Code::kIo, "read `" + path + "`", errno);
  }
  std::string text;
  char buf[8192];
  for (;;) {
    ssize_t n = ::read(f.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail_errno(Code::kIo, "read `" + path + "`", errno);
    if (n == 0) break;
    text.append(buf, size_t(n));
  }
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded()) return fail(Code::kDecode, "corrupt container record `" + path + "`");
  try {
    return j.get<Container>();
  } catch (const nlohmann::json::exception& e) {
    return fail(Code::kDecode, "corrupt container record `" + path + "`", e.what());
  }
}

Result<> Store::save(const Container& c) const {
  std::string path = dir(c.id) + "/state.json";
  std::string tmp_name = "state.json.tmp." + std::to_string(getpid());
  std::string tmp = dir(c.id) + "/" + tmp_name;
  std::string text = nlohmann::json(c).dump(2) + "\n";
  auto d = BERTH_TRY(open_container_dir(dir(c.id), c.id));
  UniqueFd fd(::openat(d.get(), tmp_name.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
                       0600));
  if (!fd.valid()) return fail_errno(Code::kIo, "write `" + tmp + "`", errno);
  for (size_t off = 0; off < text.size();) {
    ssize_t n = ::write(fd.get(), text.data() + off, text.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::unlinkat(d.get(), tmp_name.c_str(), 0);
      return fail_errno(Code::kIo, "write `" + tmp + "`", err);
    }
    off += size_t(n);
  }
  fd.reset();
  if (::renameat(d.get(), tmp_name.c_str(), d.get(), "state.json") != 0) {
    int err = errno;
    ::unlinkat(d.get(), tmp_name.c_str(), 0);
    return fail_errno(Code::kIo, "replace `" + path + "`", err);
  }
  return {};
}

Result<std::vector<Container>> Store::list() const {
  std::vector<Container> out;
  DIR* d = ::opendir(containers_dir().c_str());
  if (!d) {
    if (errno == ENOENT) return out;
    return fail_errno(Code::kIo, "list `" + containers_dir() + "`", errno);
  }
  while (dirent* e = ::readdir(d)) {
    std::string id = e->d_name;
    if (id.size() != 64) continue;
    // Only real directories are containers; a symlink here is nobody's (load refuses it).
    if (e->d_type != DT_DIR && e->d_type != DT_UNKNOWN) continue;
    // A record being created or removed right now is simply not listed.
    if (auto c = load(id)) out.push_back(std::move(*c));
  }
  ::closedir(d);
  std::sort(out.begin(), out.end(),
            [](const Container& a, const Container& b) { return a.created < b.created; });
  return out;
}

Result<std::string> Store::resolve(std::string_view ref) const {
  std::vector<IdName> all;
  for (const auto& c : BERTH_TRY(list())) all.push_back({c.id, c.name});
  return resolve_ref(ref, all);
}

Result<FileLock> Store::lock(const std::string& id) const {
  auto d = BERTH_TRY(open_container_dir(dir(id), id));
  auto l = FileLock::acquire_at(d.get(), "lock", dir(id) + "/lock");
  struct stat st {};
  if (!l && ::fstat(d.get(), &st) == 0 && st.st_nlink == 0)  // removed while we waited
    return fail(Code::kUnknownContainer, "no such container: `" + id + "`");
  return l;
}

Result<FileLock> Store::lock_names() const {
  BERTH_TRY(init());
  return FileLock::acquire(root_ + "/containers.lock");
}

}  // namespace berth::runtime
