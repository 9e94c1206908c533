#include "ipam/resolv_conf.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>

#include "core/fd.h"

namespace berth::ipam {

cni::Dns parse_resolv_conf(std::string_view text) {
  cni::Dns dns;
  std::istringstream in{std::string(text)};
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string key, word;
    if (!(words >> key) || key[0] == '#' || key[0] == ';') continue;
    std::vector<std::string> rest;
    while (words >> word) rest.push_back(word);
    if (key == "nameserver" && !rest.empty()) {
      dns.nameservers.push_back(rest[0]);
    } else if (key == "domain" && !rest.empty()) {
      dns.domain = rest[0];
    } else if (key == "search") {
      dns.search = rest;  // the last search line wins, as in the resolver
    } else if (key == "options") {
      dns.options.insert(dns.options.end(), rest.begin(), rest.end());
    }
  }
  return dns;
}

Result<cni::Dns> read_resolv_conf(const std::string& path) {
  auto cannot = [&](int err) {
    return fail(Code::kInvalidConfig, "invalid ipam.resolvConf `" + path + "`",
                std::string("cannot read it: ") + std::strerror(err));
  };
  // Non-blocking, and only a regular file: a FIFO or a device named here must not hang
  // or trigger anything in a plugin running as root.
  UniqueFd f(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  if (!f.valid()) return cannot(errno);
  struct stat st {};
  if (::fstat(f.get(), &st) != 0) return cannot(errno);
  if (!S_ISREG(st.st_mode))
    return fail(Code::kInvalidConfig, "invalid ipam.resolvConf `" + path + "`", "it is not a regular file");
  std::string text;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(f.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return cannot(errno);
    if (n == 0) break;
    text.append(buf, size_t(n));
    if (text.size() > (1 << 20)) return cannot(EFBIG);
  }
  return parse_resolv_conf(text);
}

}  // namespace berth::ipam
