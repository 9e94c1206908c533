#include "runtime/container/parse.h"

#include <signal.h>
#include <string.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <unordered_set>

#include "core/cni/names.h"

namespace berth::runtime {
namespace {

std::unexpected<Error> bad(std::string_view what, std::string_view value, std::string why) {
  return fail(Code::kInvalidConfig,
              "invalid " + std::string(what) + " `" + std::string(value) + "`: " + why);
}

bool name_char(char c) {
  return isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
}

// [A-Za-z0-9][A-Za-z0-9_.-]*, 1 to `max` bytes: no '/', no "." or "..", no control bytes.
bool name_shaped(std::string_view s, size_t max) {
  if (s.empty() || s.size() > max || !isalnum(static_cast<unsigned char>(s[0]))) return false;
  return std::all_of(s.begin(), s.end(), name_char);
}

// The value as it may be shown in a message: control bytes escaped, at most 80 bytes.
std::string shown(std::string_view s) {
  std::string out;
  for (unsigned char c : s.substr(0, 80)) {
    if (c < 0x20 || c == 0x7f) {
      static const char* digits = "0123456789abcdef";
      out += std::string("\\x") + digits[c >> 4] + digits[c & 15];
    } else {
      out += char(c);
    }
  }
  return s.size() > 80 ? out + "..." : out;
}

bool parse_uint(std::string_view s, uint64_t& out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

Result<int64_t> parse_memory(std::string_view text) {
  std::string_view num = text;
  uint64_t mult = 1;
  if (!num.empty()) {
    switch (num.back() | 0x20) {  // lower-case the unit letter
      case 'b':
        mult = 1;
        num.remove_suffix(1);
        break;
      case 'k':
        mult = 1ull << 10;
        num.remove_suffix(1);
        break;
      case 'm':
        mult = 1ull << 20;
        num.remove_suffix(1);
        break;
      case 'g':
        mult = 1ull << 30;
        num.remove_suffix(1);
        break;
      default:
        break;
    }
  }
  uint64_t n = 0;
  if (!parse_uint(num, n)) return bad("memory size", text, "expected a number with b, k, m or g");
  if (n > (uint64_t(1) << 62) / mult) return bad("memory size", text, "too large");
  int64_t bytes = int64_t(n * mult);
  if (bytes < (6 << 20)) return bad("memory size", text, "the minimum is 6m");
  return bytes;
}

Result<int64_t> parse_cpus(std::string_view text) {
  double v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size() || !std::isfinite(v) || v <= 0)
    return bad("--cpus", text, "expected a positive number such as 0.5 or 2");
  if (v > 1024) return bad("--cpus", text, "too large");
  auto nano = int64_t(std::llround(v * 1e9));
  if (nano < 10'000'000) return bad("--cpus", text, "the minimum is 0.01");
  return nano;
}

Result<RestartPolicy> parse_restart(std::string_view text) {
  using K = RestartPolicy::Kind;
  if (text == "no" || text.empty()) return RestartPolicy{K::kNo, 0};
  if (text == "always") return RestartPolicy{K::kAlways, 0};
  if (text == "unless-stopped") return RestartPolicy{K::kUnlessStopped, 0};
  if (text.starts_with("on-failure")) {
    std::string_view rest = text.substr(10);
    if (rest.empty()) return RestartPolicy{K::kOnFailure, 0};
    uint64_t n = 0;
    if (rest[0] == ':' && parse_uint(rest.substr(1), n) && n <= 1'000'000)
      return RestartPolicy{K::kOnFailure, int(n)};
    return bad("restart policy", text, "on-failure takes an optional count, as on-failure:3");
  }
  return bad("restart policy", text, "expected no, always, unless-stopped or on-failure[:N]");
}

Result<Volume> parse_volume(std::string_view text) {
  Volume v;
  std::string_view rest = text;
  auto colon = rest.find(':');
  if (colon == std::string_view::npos || colon == 0)
    return bad("volume", text, "expected HOST:CONTAINER[:ro]");
  v.source = std::string(rest.substr(0, colon));
  rest.remove_prefix(colon + 1);
  colon = rest.find(':');
  v.target = std::string(rest.substr(0, colon));
  if (colon != std::string_view::npos) {
    std::string_view mode = rest.substr(colon + 1);
    if (mode == "ro")
      v.read_only = true;
    else if (mode != "rw")
      return bad("volume", text, "the mode must be ro or rw");
  }
  if (v.target.empty() || v.target[0] != '/')
    return bad("volume", text, "the container path must be absolute");
  if (v.target == "/") return bad("volume", text, "cannot mount over the container's /");
  if (v.source[0] != '/') {
    // A named volume: Docker's rule for names, which starts with a letter or digit, so
    // "." and ".." (which would leave <root>/volumes/) are no names.
    if (!name_shaped(v.source, 255))
      return bad("volume", shown(text),
                 "a host path must be absolute; a volume name is [a-zA-Z0-9][a-zA-Z0-9_.-]*");
  }
  for (std::string_view p : {std::string_view(v.source), std::string_view(v.target)})
    for (char c : p)
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
        return bad("volume", shown(text), "paths must not contain control characters");
  for (std::string_view p : {std::string_view(v.source), std::string_view(v.target)})
    if (p.find(',') != std::string_view::npos)
      return bad("volume", text, "paths must not contain ','");
  return v;
}

Result<> validate_volume_name(std::string_view name) {
  if (name_shaped(name, 255)) return {};
  return bad("volume name", shown(name),
             "a volume name is up to 255 of [a-zA-Z0-9_.-], starting with a letter or digit");
}

Result<std::string> parse_env(std::string_view text, const char* host_value) {
  auto eq = text.find('=');
  std::string_view key = text.substr(0, eq);
  if (key.empty()) return bad("environment variable", text, "expected KEY=VALUE");
  for (char c : key)
    if (c == '\0' || isspace(static_cast<unsigned char>(c)))
      return bad("environment variable", text, "the name must not contain white space");
  if (eq != std::string_view::npos) return std::string(text);
  if (!host_value) return std::string();
  return std::string(key) + "=" + host_value;
}

Result<int> parse_signal(std::string_view text) {
  uint64_t n = 0;
  if (parse_uint(text, n)) {
    if (n >= 1 && n < uint64_t(NSIG)) return int(n);
    return bad("signal", text, "out of range");
  }
  std::string name(text);
  for (auto& c : name) c = char(toupper(static_cast<unsigned char>(c)));
  if (name.starts_with("SIG")) name.erase(0, 3);
  for (int s = 1; s < NSIG; ++s) {
    const char* abbrev = sigabbrev_np(s);
    if (abbrev && name == abbrev) return s;
  }
  return bad("signal", text, "expected a name such as TERM or KILL, or a number");
}

Result<> parse_expose(std::string_view text, std::vector<std::string>& out) {
  std::string_view ports = text, proto = "tcp";
  if (auto slash = text.find('/'); slash != std::string_view::npos) {
    ports = text.substr(0, slash);
    proto = text.substr(slash + 1);
  }
  if (proto != "tcp" && proto != "udp" && proto != "sctp")
    return bad("--expose", text, "the protocol must be tcp, udp or sctp");
  uint64_t lo = 0, hi = 0;
  auto dash = ports.find('-');
  bool ok = dash == std::string_view::npos
                ? parse_uint(ports, lo) && (hi = lo, true)
                : parse_uint(ports.substr(0, dash), lo) && parse_uint(ports.substr(dash + 1), hi);
  if (!ok || lo == 0 || hi > 65535 || lo > hi)
    return bad("--expose", text, "expected a port or range in 1-65535");
  // A set, not std::find per port: `--expose 1-65535` took a minute (found by fuzzing).
  std::unordered_set<std::string> seen(out.begin(), out.end());
  for (uint64_t p = lo; p <= hi; ++p) {
    std::string s = std::to_string(p) + "/" + std::string(proto);
    if (seen.insert(s).second) out.push_back(std::move(s));
  }
  return {};
}

Result<> validate_hostname(std::string_view name) {
  if (name_shaped(name, 64)) return {};
  return bad("hostname", shown(name),
             "a host name is up to 64 of [a-zA-Z0-9_.-], starting with a letter or digit");
}

Result<> validate_root(const std::string& root) {
  if (root.empty()) return fail(Code::kInvalidConfig, "invalid --root", "it is empty");
  // A relative root is checked as if below '/': the working directory is the user's.
  BERTH_TRY(cni::validate_dir_path(root[0] == '/' ? root : "/" + root, "--root"));
  if (root.find_first_of(",:") != std::string::npos)
    return fail(Code::kInvalidConfig, "invalid --root",
                "`" + shown(root) + "` contains ',' or ':', which overlayfs cannot take");
  return {};
}

Result<> validate_alias(std::string_view alias) {
  if (name_shaped(alias, 255)) return {};
  return bad("network alias", shown(alias),
             "an alias is up to 255 of [a-zA-Z0-9_.-], starting with a letter or digit");
}

}  // namespace berth::runtime
