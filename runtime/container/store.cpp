#include "runtime/container/store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <sstream>

#include "runtime/container/id.h"

namespace berth::runtime {
namespace {

Result<> mkdir_p(const std::string& path) {
  std::string cur;
  for (size_t pos = 0; pos != std::string::npos;) {
    pos = path.find('/', pos + 1);
    cur = path.substr(0, pos);
    if (cur.empty()) continue;
    if (::mkdir(cur.c_str(), 0711) != 0 && errno != EEXIST)
      return fail_errno(Code::kIo, "create directory `" + cur + "`", errno);
  }
  return {};
}

}  // namespace

Result<> Store::init() const {
  BERTH_TRY(mkdir_p(containers_dir()));
  BERTH_TRY(mkdir_p(root_ + "/netns"));
  return {};
}

Result<Container> Store::load(const std::string& id) const {
  std::string path = dir(id) + "/state.json";
  std::ifstream in(path);
  if (!in) {
    if (errno == ENOENT) return fail(Code::kUnknownContainer, "no such container: `" + id + "`");
    return fail_errno(Code::kIo, "read `" + path + "`", errno);
  }
  std::stringstream ss;
  ss << in.rdbuf();
  auto j = nlohmann::json::parse(ss.str(), nullptr, false);
  if (j.is_discarded()) return fail(Code::kDecode, "corrupt container record `" + path + "`");
  try {
    return j.get<Container>();
  } catch (const nlohmann::json::exception& e) {
    return fail(Code::kDecode, "corrupt container record `" + path + "`", e.what());
  }
}

Result<> Store::save(const Container& c) const {
  std::string path = dir(c.id) + "/state.json";
  std::string tmp = path + ".tmp." + std::to_string(getpid());
  std::string text = nlohmann::json(c).dump(2) + "\n";
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!fd.valid()) return fail_errno(Code::kIo, "write `" + tmp + "`", errno);
  for (size_t off = 0; off < text.size();) {
    ssize_t n = ::write(fd.get(), text.data() + off, text.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::unlink(tmp.c_str());
      return fail_errno(Code::kIo, "write `" + tmp + "`", err);
    }
    off += size_t(n);
  }
  fd.reset();
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
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
  struct stat st {};
  if (::stat(dir(id).c_str(), &st) != 0)
    return fail(Code::kUnknownContainer, "no such container: `" + id + "`");
  auto l = FileLock::acquire(dir(id) + "/lock");
  if (!l && ::stat(dir(id).c_str(), &st) != 0)
    return fail(Code::kUnknownContainer, "no such container: `" + id + "`");
  return l;
}

Result<FileLock> Store::lock_names() const {
  BERTH_TRY(init());
  return FileLock::acquire(root_ + "/containers.lock");
}

}  // namespace berth::runtime
