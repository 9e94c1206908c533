// Local images: <root>/images/<ref dir>/ holds rootfs/ (the read-only lower layer of every
// container made from it) and image.json (name, ID, default command and environment).
// `busybox` is built on first use from the host's busybox-static; anything else comes
// from `image import` (a `docker export` tarball or a directory).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/error.h"
#include "runtime/image/ref.h"

namespace berth::runtime {

struct ImageConfig {
  std::vector<std::string> cmd;  // default command; empty: none
  std::vector<std::string> env;  // K=V, before the container's -e
  std::string workdir;
  std::vector<std::string> exposed;  // "80/tcp"
};

struct Image {
  ImageRef ref;
  std::string id;       // 64 hex, random at creation
  std::string dir;      // <root>/images/<ref dir>
  std::string created;  // RFC 3339
  std::string source;   // where it came from
  int64_t size = 0;     // bytes of regular files
  ImageConfig config;
  [[nodiscard]] std::string rootfs() const { return dir + "/rootfs"; }
};

// The host binary the default image is made of (Debian's busybox-static).
inline constexpr const char* kBusyboxBinary = "/bin/busybox";

class ImageStore {
 public:
  explicit ImageStore(std::string root) : dir_(std::move(root) + "/images") {}

  // The image, building `busybox` when it is asked for and missing. Code 3 "no such
  // image" otherwise.
  [[nodiscard]] Result<Image> get(const ImageRef& ref);
  [[nodiscard]] Result<std::vector<Image>> list() const;
  // `source`: a tar file (ustar/pax/GNU, uncompressed), "-" for a tar on stdin, or a
  // directory. Code 7 when `ref` exists already.
  [[nodiscard]] Result<Image> import(const std::string& source, const ImageRef& ref);
  // Removes the image's directory. The caller checks that no container uses it.
  [[nodiscard]] Result<> remove(const ImageRef& ref);

 private:
  [[nodiscard]] Result<Image> load(const std::string& dir) const;
  // Fills a fresh temporary directory with `fill(rootfs)`, writes image.json and renames
  // it into place under the store lock.
  template <typename Fill>
  Result<Image> create(const ImageRef& ref, const std::string& source, ImageConfig config,
                       Fill fill);

  std::string dir_;
};

// Builds the busybox image's rootfs in the (empty, existing) directory `rootfs`.
[[nodiscard]] Result<> build_busybox_rootfs(const std::string& rootfs);

}  // namespace berth::runtime
