#include "core/cni/names.h"

#include <string>

namespace berth::cni {

std::string fmt_hex(unsigned char c);

namespace {

bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool id_shaped(std::string_view s) {
  if (s.empty() || s.size() > 255 || !is_alnum(s[0])) return false;
  for (char c : s)
    if (!is_alnum(c) && c != '_' && c != '.' && c != '-') return false;
  return true;
}

std::string quoted(std::string_view s) {
  std::string out;
  for (unsigned char c : s.substr(0, 80)) {
    if (c < 0x20 || c == 0x7f) out += fmt_hex(c);
    else out += char(c);
  }
  return out;
}

}  // namespace

std::string fmt_hex(unsigned char c) {
  static const char* digits = "0123456789abcdef";
  return std::string("\\x") + digits[c >> 4] + digits[c & 15];
}

Result<> validate_container_id(std::string_view id) {
  if (id_shaped(id)) return {};
  return fail(Code::kInvalidEnv, "invalid characters in containerID", quoted(id));
}

Result<> validate_ifname(std::string_view name) {
  if (name.empty()) return fail(Code::kInvalidEnv, "interface name is empty");
  if (name.size() > 15)
    return fail(Code::kInvalidEnv, "interface name is too long", "`" + quoted(name) + "` is over 15 bytes");
  if (name == "." || name == "..")
    return fail(Code::kInvalidEnv, "interface name is . or ..");
  for (unsigned char c : name) {
    if (c == '/' || c == ':' || c <= 0x20 || c == 0x7f)
      return fail(Code::kInvalidEnv, "interface name contains / or : or whitespace",
                  "`" + quoted(name) + "`");
  }
  return {};
}

Result<> validate_network_name(std::string_view name) {
  if (id_shaped(name)) return {};
  return fail(Code::kInvalidConfig, "invalid network name",
              "`" + quoted(name) + "` must match ^[A-Za-z0-9][A-Za-z0-9_.-]*$");
}

Result<> validate_dir_path(std::string_view path, std::string_view key) {
  auto bad = [&](std::string_view why) {
    return fail(Code::kInvalidConfig, "invalid " + std::string(key),
                "`" + quoted(path) + "` " + std::string(why));
  };
  if (path.empty() || path[0] != '/') return bad("must be an absolute path");
  if (path.size() > 1024) return bad("is too long");
  for (unsigned char c : path)
    if (c < 0x20 || c == 0x7f) return bad("contains control characters");
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i + 1);
    if (j == std::string_view::npos) j = path.size();
    auto part = path.substr(i + 1, j - i - 1);
    if (part == "." || part == "..") return bad("must not contain . or .. parts");
    i = j;
  }
  return {};
}

}  // namespace berth::cni
