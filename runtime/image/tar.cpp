#include "runtime/image/tar.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <map>
#include <vector>

#include "core/fd.h"
#include "runtime/image/tar_header.h"
#include "runtime/rootfs/in_root.h"

namespace berth::runtime {
namespace {

class Reader {
 public:
  explicit Reader(int fd) : fd_(fd) {}
  // Exactly n bytes; false at a clean end of input before the first byte.
  Result<bool> read(unsigned char* buf, size_t n) {
    size_t got = 0;
    while (got < n) {
      ssize_t r = ::read(fd_, buf + got, n - got);
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) return fail_errno(Code::kIo, "read the tar archive", errno);
      if (r == 0) {
        if (got == 0) return false;
        return fail(Code::kDecode, "the tar archive is truncated");
      }
      got += size_t(r);
    }
    return true;
  }
  // The entry's data rounded up to whole blocks, handed to `sink` piece by piece.
  template <typename Sink>
  Result<> data(uint64_t size, Sink sink) {
    unsigned char buf[64 * tar::kBlock];
    uint64_t padded = (size + tar::kBlock - 1) / tar::kBlock * tar::kBlock;
    for (uint64_t done = 0; done < padded;) {
      size_t chunk = size_t(std::min<uint64_t>(sizeof buf, padded - done));
      if (!BERTH_TRY(read(buf, chunk))) return fail(Code::kDecode, "the tar archive is truncated");
      if (done < size) BERTH_TRY(sink(buf, size_t(std::min<uint64_t>(chunk, size - done))));
      done += chunk;
    }
    return {};
  }

 private:
  int fd_;
};

struct DirMeta {
  std::string path;
  tar::Header h;
};

Result<> set_meta(int parent, const std::string& base, const tar::Header& h, bool symlink) {
  ::fchownat(parent, base.c_str(), h.uid, h.gid, AT_SYMLINK_NOFOLLOW);
  // After chown, which clears set-id bits.
  if (!symlink && ::fchmodat(parent, base.c_str(), h.mode & 07777, 0) != 0)
    return fail_errno(Code::kIo, "chmod `" + base + "`", errno);
  timespec times[2] = {{h.mtime, 0}, {h.mtime, 0}};
  ::utimensat(parent, base.c_str(), times, AT_SYMLINK_NOFOLLOW);
  return {};
}

// Makes room for a new entry called `base`: a previous non-directory (or empty
// directory) of that name goes, as with GNU tar's default.
void clear_name(int parent, const std::string& base) {
  if (::unlinkat(parent, base.c_str(), 0) != 0 && errno == EISDIR)
    ::unlinkat(parent, base.c_str(), AT_REMOVEDIR);
}

Result<> extract_entry(Reader& in, int root, const std::string& path, const tar::Header& h,
                       std::vector<DirMeta>& dirs) {
  if (h.type == '5') {
    BERTH_TRY(mkdir_all_in_root(root, path));
    dirs.push_back({path, h});
    return in.data(h.size, [](const unsigned char*, size_t) -> Result<> { return {}; });
  }
  auto [parent, base] = BERTH_TRY(open_parent_in_root(root, path));
  int pfd = parent.get();
  switch (h.type) {
    case '0': {
      clear_name(pfd, base);
      UniqueFd out(
          ::openat(pfd, base.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
      if (!out.valid()) return fail_errno(Code::kIo, "create `" + path + "`", errno);
      BERTH_TRY(in.data(h.size, [&](const unsigned char* p, size_t n) -> Result<> {
        for (size_t off = 0; off < n;) {
          ssize_t w = ::write(out.get(), p + off, n - off);
          if (w < 0) return fail_errno(Code::kIo, "write `" + path + "`", errno);
          off += size_t(w);
        }
        return {};
      }));
      return set_meta(pfd, base, h, false);
    }
    case '1': {
      std::string target = BERTH_TRY(tar::clean_path(h.link));
      auto [tparent, tbase] = BERTH_TRY(open_parent_in_root(root, target));
      clear_name(pfd, base);
      if (::linkat(tparent.get(), tbase.c_str(), pfd, base.c_str(), 0) != 0)
        return fail_errno(Code::kIo, "hard link `" + path + "` to `" + h.link + "`", errno);
      return in.data(h.size, [](const unsigned char*, size_t) -> Result<> { return {}; });
    }
    case '2':
      // Any target text is fine: it is only ever resolved inside the container's root.
      clear_name(pfd, base);
      if (::symlinkat(h.link.c_str(), pfd, base.c_str()) != 0)
        return fail_errno(Code::kIo, "symlink `" + path + "`", errno);
      BERTH_TRY(set_meta(pfd, base, h, true));
      return in.data(h.size, [](const unsigned char*, size_t) -> Result<> { return {}; });
    case '3':
    case '4':
    case '6': {
      mode_t kind = h.type == '3' ? S_IFCHR : h.type == '4' ? S_IFBLK : S_IFIFO;
      clear_name(pfd, base);
      if (::mknodat(pfd, base.c_str(), kind | (h.mode & 07777), makedev(h.devmajor, h.devminor)) !=
          0)
        return fail_errno(Code::kIo, "create device `" + path + "`", errno);
      BERTH_TRY(set_meta(pfd, base, h, false));
      return in.data(h.size, [](const unsigned char*, size_t) -> Result<> { return {}; });
    }
    default:
      return fail(Code::kUnsupportedField,
                  "tar entry `" + path + "` has unsupported type `" + std::string(1, h.type) + "`");
  }
}

}  // namespace

Result<> extract_tar(int fd, const std::string& dest) {
  UniqueFd root(::open(dest.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root.valid()) return fail_errno(Code::kIo, "open `" + dest + "`", errno);
  Reader in(fd);
  unsigned char block[tar::kBlock];
  std::map<std::string, std::string> pax;
  std::string long_name, long_link;
  std::vector<DirMeta> dirs;
  bool first = true;
  for (;;) {
    if (!BERTH_TRY(in.read(block, sizeof block))) break;  // end without the zero blocks
    if (first) {
      if (std::string z = tar::compression_of(block, sizeof block); !z.empty())
        return fail(Code::kDecode, "the archive is " + z + "-compressed",
                    "decompress it first; berth reads plain tar");
      first = false;
    }
    if (tar::is_zero_block(block)) break;
    tar::Header h = BERTH_TRY(tar::parse_header(block));
    if (h.type == 'x' || h.type == 'g' || h.type == 'L' || h.type == 'K') {
      if (h.size > (1 << 20)) return fail(Code::kDecode, "tar extension header too large");
      std::string data;
      BERTH_TRY(in.data(h.size, [&](const unsigned char* p, size_t n) -> Result<> {
        data.append(reinterpret_cast<const char*>(p), n);
        return {};
      }));
      if (h.type == 'x') pax = BERTH_TRY(tar::parse_pax(data));
      if (h.type == 'L') long_name = data.c_str();
      if (h.type == 'K') long_link = data.c_str();
      continue;  // 'g' (global pax) holds nothing berth needs
    }
    if (!long_name.empty()) h.path = std::exchange(long_name, {});
    if (!long_link.empty()) h.link = std::exchange(long_link, {});
    tar::apply_pax(h, pax);
    pax.clear();
    std::string path = BERTH_TRY(tar::clean_path(h.path));
    if (path.empty()) {  // "./": the root directory itself
      BERTH_TRY(in.data(h.size, [](const unsigned char*, size_t) -> Result<> { return {}; }));
      continue;
    }
    if (auto r = extract_entry(in, root.get(), path, h, dirs); !r)
      return std::unexpected(r.error().wrap("extract `" + h.path + "`"));
  }
  // Directory modes and times last: writing their entries would have changed the times,
  // and a read-only mode would have blocked nothing for root but is applied once here.
  for (auto it = dirs.rbegin(); it != dirs.rend(); ++it) {
    auto [parent, base] = BERTH_TRY(open_parent_in_root(root.get(), it->path));
    BERTH_TRY(set_meta(parent.get(), base, it->h, false));
  }
  return {};
}

}  // namespace berth::runtime
