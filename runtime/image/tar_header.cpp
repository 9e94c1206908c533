#include "runtime/image/tar_header.h"

#include <charconv>
#include <cstring>
#include <type_traits>

namespace berth::runtime::tar {
namespace {

std::string field_str(const unsigned char* p, size_t len) {
  size_t n = 0;
  while (n < len && p[n]) ++n;
  return std::string(reinterpret_cast<const char*>(p), n);
}

std::string_view field_view(const unsigned char* p, size_t len) {
  return {reinterpret_cast<const char*>(p), len};
}

}  // namespace

std::optional<uint64_t> parse_number(std::string_view f) {
  if (!f.empty() && (static_cast<unsigned char>(f[0]) & 0x80)) {
    // base-256: the rest of the first byte's bits and the following bytes, big-endian.
    uint64_t v = static_cast<unsigned char>(f[0]) & 0x3f;
    for (size_t i = 1; i < f.size(); ++i) {
      if (v >> 56) return std::nullopt;
      v = (v << 8) | static_cast<unsigned char>(f[i]);
    }
    return v;
  }
  size_t b = 0, e = f.size();
  while (b < e && (f[b] == ' ' || f[b] == '\0')) ++b;
  size_t end = b;
  while (end < e && f[end] >= '0' && f[end] <= '7') ++end;
  for (size_t i = end; i < e; ++i)
    if (f[i] != ' ' && f[i] != '\0') return std::nullopt;
  if (end == b) return 0;
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(f.data() + b, f.data() + end, v, 8);
  if (ec != std::errc()) return std::nullopt;
  return v;
}

bool is_zero_block(const unsigned char* block) {
  for (size_t i = 0; i < kBlock; ++i)
    if (block[i]) return false;
  return true;
}

Result<Header> parse_header(const unsigned char* b) {
  // The checksum is computed with its own field taken as eight spaces.
  uint64_t sum = 0;
  for (size_t i = 0; i < kBlock; ++i) sum += (i >= 148 && i < 156) ? ' ' : b[i];
  auto stored = parse_number(field_view(b + 148, 8));
  if (!stored || *stored != sum)
    return fail(Code::kDecode, "not a tar archive (bad header checksum)");
  Header h;
  h.path = field_str(b, 100);
  h.mode = uint32_t(parse_number(field_view(b + 100, 8)).value_or(0));
  h.uid = uint32_t(parse_number(field_view(b + 108, 8)).value_or(0));
  h.gid = uint32_t(parse_number(field_view(b + 116, 8)).value_or(0));
  auto size = parse_number(field_view(b + 124, 12));
  if (!size) return fail(Code::kDecode, "tar entry `" + h.path + "` has a bad size");
  h.size = *size;
  h.mtime = int64_t(parse_number(field_view(b + 136, 12)).value_or(0));
  h.type = char(b[156]);
  if (h.type == '\0') h.type = '0';
  if (h.type == '7') h.type = '0';  // contiguous file: a regular file
  h.link = field_str(b + 157, 100);
  if (std::memcmp(b + 257, "ustar", 5) == 0) {
    h.devmajor = uint32_t(parse_number(field_view(b + 329, 8)).value_or(0));
    h.devminor = uint32_t(parse_number(field_view(b + 337, 8)).value_or(0));
    // POSIX ustar (not the old GNU format, which uses these bytes otherwise) has a prefix.
    if (std::memcmp(b + 257, "ustar\0", 6) == 0) {
      std::string prefix = field_str(b + 345, 155);
      if (!prefix.empty()) h.path = prefix + "/" + h.path;
    }
  }
  return h;
}

Result<std::map<std::string, std::string>> parse_pax(std::string_view data) {
  std::map<std::string, std::string> out;
  while (!data.empty()) {
    size_t len = 0;
    auto sp = data.find(' ');
    auto [p, ec] =
        std::from_chars(data.data(), data.data() + (sp == std::string_view::npos ? 0 : sp), len);
    if (sp == std::string_view::npos || ec != std::errc() || len <= sp + 1 || len > data.size() ||
        data[len - 1] != '\n')
      return fail(Code::kDecode, "malformed pax header in the tar archive");
    std::string_view rec = data.substr(sp + 1, len - sp - 2);
    auto eq = rec.find('=');
    if (eq == std::string_view::npos)
      return fail(Code::kDecode, "malformed pax record in the tar archive");
    out[std::string(rec.substr(0, eq))] = std::string(rec.substr(eq + 1));
    data.remove_prefix(len);
  }
  return out;
}

void apply_pax(Header& h, const std::map<std::string, std::string>& pax) {
  auto num = [&](const char* key, auto& field) {
    auto it = pax.find(key);
    if (it == pax.end()) return;
    uint64_t v = 0;
    const std::string& s = it->second;
    auto dot = s.find('.');  // mtime may carry a fraction
    if (std::from_chars(s.data(), s.data() + (dot == std::string::npos ? s.size() : dot), v).ec ==
        std::errc())
      field = static_cast<std::remove_reference_t<decltype(field)>>(v);
  };
  if (auto it = pax.find("path"); it != pax.end()) h.path = it->second;
  if (auto it = pax.find("linkpath"); it != pax.end()) h.link = it->second;
  num("size", h.size);
  num("uid", h.uid);
  num("gid", h.gid);
  num("mtime", h.mtime);
}

Result<std::string> clean_path(std::string_view path) {
  if (!path.empty() && path[0] == '/')
    return fail(Code::kInvalidConfig, "tar entry `" + std::string(path) + "` has an absolute path");
  std::string out;
  for (size_t start = 0; start <= path.size();) {
    size_t slash = path.find('/', start);
    std::string_view part =
        path.substr(start, slash == std::string_view::npos ? slash : slash - start);
    if (part == "..")
      return fail(Code::kInvalidConfig,
                  "tar entry `" + std::string(path) + "` leaves the image with ..");
    if (!part.empty() && part != ".") {
      if (!out.empty()) out += '/';
      out += part;
    }
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return out;
}

std::string compression_of(const unsigned char* h, size_t len) {
  if (len >= 2 && h[0] == 0x1f && h[1] == 0x8b) return "gzip";
  if (len >= 6 && std::memcmp(h,
                              "\xfd"
                              "7zXZ\0",
                              6) == 0)
    return "xz";
  if (len >= 3 && std::memcmp(h, "BZh", 3) == 0) return "bzip2";
  if (len >= 4 && h[0] == 0x28 && h[1] == 0xb5 && h[2] == 0x2f && h[3] == 0xfd) return "zstd";
  return "";
}

}  // namespace berth::runtime::tar
