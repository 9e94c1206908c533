#include "runtime/image/ref.h"

namespace berth::runtime {
namespace {

bool lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool tag_char(char c) {
  return lower_alnum(c) || (c >= 'A' && c <= 'Z') || c == '_' || c == '.' || c == '-';
}

// Docker's grammar for one path component: [a-z0-9]+ ((. | _ | __ | -+) [a-z0-9]+)*
bool valid_component(std::string_view s) {
  size_t i = 0;
  for (;;) {
    size_t run = i;
    while (i < s.size() && lower_alnum(s[i])) ++i;
    if (i == run) return false;  // empty, or a separator where letters must be
    if (i == s.size()) return true;
    if (s[i] == '.')
      ++i;
    else if (s[i] == '_')
      i += (i + 1 < s.size() && s[i + 1] == '_') ? 2 : 1;
    else if (s[i] == '-')
      while (i < s.size() && s[i] == '-') ++i;
    else
      return false;
  }
}

bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > 255) return false;
  for (size_t start = 0;;) {
    size_t slash = name.find('/', start);
    if (!valid_component(
            name.substr(start, slash == std::string_view::npos ? slash : slash - start)))
      return false;
    if (slash == std::string_view::npos) return true;
    start = slash + 1;
  }
}

}  // namespace

std::string ImageRef::dir_name() const {
  std::string out;
  for (char c : name) out += c == '/' ? std::string("%2F") : std::string(1, c);
  if (tag != "latest") out += "%3A" + tag;
  return out;
}

Result<ImageRef> parse_image_ref(std::string_view text) {
  if (text.find('@') != std::string_view::npos)
    return fail(Code::kInvalidConfig, "invalid image reference `" + std::string(text) + "`",
                "digests are not supported: images are local");
  ImageRef ref;
  std::string_view name = text;
  auto colon = text.rfind(':');
  if (colon != std::string_view::npos && text.find('/', colon) == std::string_view::npos) {
    name = text.substr(0, colon);
    std::string_view tag = text.substr(colon + 1);
    bool ok = !tag.empty() && tag.size() <= 128 && tag[0] != '.' && tag[0] != '-';
    for (char c : tag) ok = ok && tag_char(c);
    if (!ok)
      return fail(Code::kInvalidConfig, "invalid image tag in `" + std::string(text) + "`",
                  "a tag is up to 128 of [A-Za-z0-9_.-], not starting with . or -");
    ref.tag = std::string(tag);
  }
  if (!valid_name(name))
    return fail(Code::kInvalidConfig, "invalid image name `" + std::string(text) + "`",
                "a name is lower-case letters and digits, separated by '.', '_', '-' or '/'");
  ref.name = std::string(name);
  return ref;
}

}  // namespace berth::runtime
