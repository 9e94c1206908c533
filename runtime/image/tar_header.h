// The pure half of berth's tar reader: header blocks (ustar, GNU and pax extensions),
// numbers, pax records and entry paths. No I/O, so all of it is unit-tested.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"

namespace berth::runtime::tar {

inline constexpr size_t kBlock = 512;

struct Header {
  std::string path;  // name, with the ustar prefix joined
  std::string link;  // linkname
  char type = '0';   // '0' file, '1' hard link, '2' symlink, '3' char, '4' block, '5' dir,
                     // '6' fifo; 'x'/'g' pax, 'L'/'K' GNU long name/link
  uint32_t mode = 0;
  uint32_t uid = 0;
  uint32_t gid = 0;
  uint64_t size = 0;
  int64_t mtime = 0;
  uint32_t devmajor = 0;
  uint32_t devminor = 0;
};

// A numeric field: octal text (NUL/space padded) or GNU base-256 (high bit set).
std::optional<uint64_t> parse_number(std::string_view field);
// True for an all-zero block (the end-of-archive marker).
bool is_zero_block(const unsigned char* block);
// Parses one 512-byte header; code 6 when the checksum does not match.
[[nodiscard]] Result<Header> parse_header(const unsigned char* block);
// pax extended header data: "<len> <key>=<value>\n" records; code 6 when malformed.
[[nodiscard]] Result<std::map<std::string, std::string>> parse_pax(std::string_view data);
// Applies pax overrides (path, linkpath, size, uid, gid, mtime) to `h`.
void apply_pax(Header& h, const std::map<std::string, std::string>& pax);
// Normalises an entry path to "a/b/c" relative to the image root: drops "./" and "//",
// and returns "" for the root itself. Code 7 for an absolute path or any ".." component.
[[nodiscard]] Result<std::string> clean_path(std::string_view path);
// The compression format whose magic `head` starts with ("gzip", "xz", ...), or "".
std::string compression_of(const unsigned char* head, size_t len);

}  // namespace berth::runtime::tar
