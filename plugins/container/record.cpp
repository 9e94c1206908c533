#include "plugins/container/record.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "core/fd.h"

namespace berth::container {
namespace {

std::string file_name(const std::string& joiner, const std::string& ifname) { return joiner + "@" + ifname; }

// mkdir -p of an absolute path already validated (no "." or ".." parts), mode 0700.
Result<> make_dirs(const std::string& path) {
  for (size_t i = 1; i <= path.size(); ++i) {
    if (i != path.size() && path[i] != '/') continue;
    std::string part = path.substr(0, i);
    if (mkdir(part.c_str(), 0700) != 0 && errno != EEXIST)
      return fail_errno(Code::kIo, "create state directory `" + part + "`", errno);
  }
  return {};
}

// The network's directory as an fd; `create` makes it when missing. An invalid fd (no
// error) when it does not exist and `create` is false.
Result<UniqueFd> open_network_dir(const std::string& state_dir, const std::string& network, bool create) {
  if (create) BERTH_TRY(make_dirs(state_dir));
  UniqueFd base(open(state_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!base.valid()) {
    if (errno == ENOENT && !create) return UniqueFd();
    return fail_errno(Code::kIo, "open state directory `" + state_dir + "`", errno);
  }
  if (create && mkdirat(base.get(), network.c_str(), 0700) != 0 && errno != EEXIST)
    return fail_errno(Code::kIo, "create `" + state_dir + "/" + network + "`", errno);
  UniqueFd dir(openat(base.get(), network.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!dir.valid()) {
    if (errno == ENOENT && !create) return UniqueFd();
    return fail_errno(Code::kIo, "open `" + state_dir + "/" + network + "`", errno);
  }
  return dir;
}

}  // namespace

Result<> write_record(const std::string& state_dir, const std::string& network, const Record& r) {
  auto dir = BERTH_TRY(open_network_dir(state_dir, network, true));
  nlohmann::json j = {{"containerID", r.joiner}, {"ifname", r.ifname}, {"netns", r.netns},
                      {"target", r.target},      {"targetNetns", r.target_netns}};
  const std::string name = file_name(r.joiner, r.ifname), tmp = "." + name + ".tmp";
  UniqueFd fd(openat(dir.get(), tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd.valid()) return fail_errno(Code::kIo, "write joiner record `" + name + "`", errno);
  const std::string text = j.dump() + "\n";
  if (write(fd.get(), text.data(), text.size()) != ssize_t(text.size()) || fsync(fd.get()) != 0) {
    int err = errno;
    unlinkat(dir.get(), tmp.c_str(), 0);
    return fail_errno(Code::kIo, "write joiner record `" + name + "`", err);
  }
  if (renameat(dir.get(), tmp.c_str(), dir.get(), name.c_str()) != 0) {
    int err = errno;
    unlinkat(dir.get(), tmp.c_str(), 0);
    return fail_errno(Code::kIo, "write joiner record `" + name + "`", err);
  }
  return {};
}

Result<std::optional<Record>> read_record(const std::string& state_dir, const std::string& network,
                                          const std::string& joiner, const std::string& ifname) {
  auto dir = BERTH_TRY(open_network_dir(state_dir, network, false));
  if (!dir.valid()) return std::optional<Record>();
  const std::string name = file_name(joiner, ifname);
  UniqueFd fd(openat(dir.get(), name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno == ENOENT) return std::optional<Record>();
    return fail_errno(Code::kIo, "read joiner record `" + name + "`", errno);
  }
  std::string text;
  char buf[1024];
  ssize_t n;
  while ((n = read(fd.get(), buf, sizeof buf)) > 0 && text.size() < 65536) text.append(buf, size_t(n));
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return fail(Code::kIo, "joiner record `" + name + "` is damaged");
  Record r{joiner, ifname, j.value("netns", ""), j.value("target", ""), j.value("targetNetns", "")};
  return std::optional<Record>(r);
}

Result<bool> remove_record(const std::string& state_dir, const std::string& network, const std::string& joiner,
                           const std::string& ifname) {
  auto dir = BERTH_TRY(open_network_dir(state_dir, network, false));
  if (!dir.valid()) return false;
  if (unlinkat(dir.get(), file_name(joiner, ifname).c_str(), 0) == 0) return true;
  if (errno == ENOENT) return false;
  return fail_errno(Code::kIo, "remove joiner record `" + file_name(joiner, ifname) + "`", errno);
}

Result<std::vector<std::pair<std::string, std::string>>> list_records(const std::string& state_dir,
                                                                      const std::string& network) {
  std::vector<std::pair<std::string, std::string>> out;
  auto dir = BERTH_TRY(open_network_dir(state_dir, network, false));
  if (!dir.valid()) return out;
  int fd = dup(dir.get());  // closedir closes it
  DIR* d = fd >= 0 ? fdopendir(fd) : nullptr;
  if (!d) {
    if (fd >= 0) close(fd);
    return fail_errno(Code::kIo, "list `" + state_dir + "/" + network + "`", errno);
  }
  while (dirent* e = readdir(d)) {
    std::string name = e->d_name;
    auto at = name.find('@');
    if (name.empty() || name[0] == '.' || at == std::string::npos) continue;
    out.emplace_back(name.substr(0, at), name.substr(at + 1));
  }
  closedir(d);
  return out;
}

}  // namespace berth::container
