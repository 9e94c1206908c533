#include "runtime/image/store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/fd.h"
#include "runtime/container/clock.h"
#include "runtime/container/id.h"
#include "runtime/container/lock.h"
#include "runtime/image/tar.h"
#include "runtime/rootfs/tree.h"

namespace berth::runtime {
namespace {

constexpr const char* kDefaultPath =
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// images/ and each image's directory are berth's alone (0700): containers reach an
// image's rootfs only as the overlay's lower layer, which the kernel opens as root.
Result<> mkdir_p(const std::string& path) {
  for (size_t pos = 1; pos != std::string::npos;) {
    pos = path.find('/', pos + 1);
    std::string cur = path.substr(0, pos);
    if (::mkdir(cur.c_str(), 0700) != 0 && errno != EEXIST)
      return fail_errno(Code::kIo, "create directory `" + cur + "`", errno);
  }
  return {};
}

// A small file made with exactly `mode`, never through a symlink.
Result<> write_new_file(const std::string& path, const std::string& text, mode_t mode) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode));
  if (!fd.valid()) return fail_errno(Code::kIo, "create `" + path + "`", errno);
  for (size_t off = 0; off < text.size();) {
    ssize_t n = ::write(fd.get(), text.data() + off, text.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail_errno(Code::kIo, "write `" + path + "`", errno);
    off += size_t(n);
  }
  if (::fchmod(fd.get(), mode) != 0) return fail_errno(Code::kIo, "chmod `" + path + "`", errno);
  return {};
}

bool exists(const std::string& p) {
  struct stat st {};
  return ::lstat(p.c_str(), &st) == 0;
}

}  // namespace

Result<Image> ImageStore::load(const std::string& dir) const {
  std::ifstream in(dir + "/image.json");
  if (!in) return fail(Code::kUnknownContainer, "no image in `" + dir + "`");
  std::stringstream ss;
  ss << in.rdbuf();
  auto j = nlohmann::json::parse(ss.str(), nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return fail(Code::kDecode, "corrupt `" + dir + "/image.json`");
  Image img;
  img.ref = BERTH_TRY(parse_image_ref(j.value("Name", "")));
  img.id = j.value("Id", "");
  img.dir = dir;
  img.created = j.value("Created", "");
  img.source = j.value("Source", "");
  img.size = j.value("Size", int64_t(0));
  const auto& c = j.value("Config", nlohmann::json::object());
  img.config.cmd = c.value("Cmd", std::vector<std::string>{});
  img.config.env = c.value("Env", std::vector<std::string>{});
  img.config.workdir = c.value("WorkingDir", "");
  img.config.exposed = c.value("ExposedPorts", std::vector<std::string>{});
  return img;
}

template <typename Fill>
Result<Image> ImageStore::create(const ImageRef& ref, const std::string& source, ImageConfig config,
                                 Fill fill) {
  BERTH_TRY(mkdir_p(dir_));
  auto lock = BERTH_TRY(FileLock::acquire(dir_ + "/.lock", 120000));
  std::string final_dir = dir_ + "/" + ref.dir_name();
  if (exists(final_dir + "/image.json"))
    return fail(Code::kInvalidConfig, "image `" + ref.str() + "` exists already",
                "remove it first with `berth image rm " + ref.str() + "`");
  std::string tmp = dir_ + "/.tmp-" + new_id().substr(0, 16);
  // rootfs/ is the image's `/` (0755, whatever the umask; an imported tree sets its own).
  if (::mkdir(tmp.c_str(), 0700) != 0 || ::mkdir((tmp + "/rootfs").c_str(), 0755) != 0 ||
      ::chmod((tmp + "/rootfs").c_str(), 0755) != 0)
    return fail_errno(Code::kIo, "create `" + tmp + "`", errno);
  auto cleanup = [&] { (void)remove_tree(tmp); };
  if (auto r = fill(tmp + "/rootfs"); !r) {
    cleanup();
    return std::unexpected(r.error());
  }
  if (std::find_if(config.env.begin(), config.env.end(),
                   [](const std::string& e) { return e.starts_with("PATH="); }) == config.env.end())
    config.env.insert(config.env.begin(), kDefaultPath);
  Image img{ref,   new_id(), final_dir, now_rfc3339(), source, int64_t(tree_size(tmp + "/rootfs")),
            config};
  nlohmann::json j = {{"Name", ref.str()},
                      {"Id", img.id},
                      {"Created", img.created},
                      {"Source", source},
                      {"Size", img.size},
                      {"Config",
                       {{"Cmd", config.cmd},
                        {"Env", config.env},
                        {"WorkingDir", config.workdir},
                        {"ExposedPorts", config.exposed}}}};
  if (auto r = write_new_file(tmp + "/image.json", j.dump(2) + "\n", 0644); !r) {
    cleanup();
    return std::unexpected(r.error());
  }
  (void)remove_tree(final_dir);  // a half-made directory without image.json
  if (::rename(tmp.c_str(), final_dir.c_str()) != 0) {
    int err = errno;
    cleanup();
    return fail_errno(Code::kIo, "store image `" + ref.str() + "`", err);
  }
  return img;
}

Result<Image> ImageStore::get(const ImageRef& ref) {
  std::string dir = dir_ + "/" + ref.dir_name();
  if (exists(dir + "/image.json")) return load(dir);
  if (ref.name != "busybox" || ref.tag != "latest")
    return fail(Code::kUnknownContainer, "no such image: `" + ref.str() + "`",
                "berth pulls nothing; use `busybox` or `berth image import`");
  auto made = create(ref, kBusyboxBinary, ImageConfig{{"sh"}, {}, "", {}}, build_busybox_rootfs);
  // Two first uses at once: the loser finds the winner's image.
  if (!made && exists(dir + "/image.json")) return load(dir);
  return made;
}

Result<std::vector<Image>> ImageStore::list() const {
  std::vector<Image> out;
  DIR* d = ::opendir(dir_.c_str());
  if (!d) return out;
  while (dirent* e = ::readdir(d)) {
    if (e->d_name[0] == '.') continue;
    if (auto img = load(dir_ + "/" + e->d_name)) out.push_back(std::move(*img));
  }
  ::closedir(d);
  std::sort(out.begin(), out.end(),
            [](const Image& a, const Image& b) { return a.ref.str() < b.ref.str(); });
  return out;
}

Result<Image> ImageStore::import(const std::string& source, const ImageRef& ref) {
  struct stat st {};
  if (source != "-" && ::stat(source.c_str(), &st) != 0)
    return fail_errno(Code::kInvalidConfig, "import `" + source + "`", errno);
  if (source != "-" && S_ISDIR(st.st_mode)) {
    return create(ref, source, {}, [&](const std::string& rootfs) -> Result<> {
      // copy_tree wants to create the destination itself.
      if (::rmdir(rootfs.c_str()) != 0)
        return fail_errno(Code::kIo, "prepare `" + rootfs + "`", errno);
      return copy_tree(source, rootfs);
    });
  }
  UniqueFd owned;
  int fd = 0;
  if (source != "-") {
    owned.reset(::open(source.c_str(), O_RDONLY | O_CLOEXEC));
    if (!owned.valid()) return fail_errno(Code::kIo, "open `" + source + "`", errno);
    fd = owned.get();
  }
  return create(ref, source == "-" ? "stdin" : source, {},
                [&](const std::string& rootfs) { return extract_tar(fd, rootfs); });
}

Result<> ImageStore::remove(const ImageRef& ref) {
  std::string dir = dir_ + "/" + ref.dir_name();
  if (!exists(dir + "/image.json"))
    return fail(Code::kUnknownContainer, "no such image: `" + ref.str() + "`");
  auto lock = BERTH_TRY(FileLock::acquire(dir_ + "/.lock", 120000));
  // Renamed away first, so a half-removed image is never found by name.
  std::string trash = dir_ + "/.rm-" + new_id().substr(0, 16);
  if (::rename(dir.c_str(), trash.c_str()) != 0)
    return fail_errno(Code::kIo, "remove `" + dir + "`", errno);
  return remove_tree(trash);
}

}  // namespace berth::runtime
