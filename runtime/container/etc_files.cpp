#include "runtime/container/etc_files.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>

#include "core/fd.h"

namespace berth::runtime {
namespace {

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Result<> write_in_place(const std::string& path, const std::string& text) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644));
  if (!fd.valid()) return fail_errno(Code::kIo, "write `" + path + "`", errno);
  for (size_t off = 0; off < text.size();) {
    ssize_t n = ::write(fd.get(), text.data() + off, text.size() - off);
    if (n < 0) return fail_errno(Code::kIo, "write `" + path + "`", errno);
    off += size_t(n);
  }
  return {};
}

}  // namespace

std::string hosts_content(const std::string& hostname, const std::string& name,
                          const std::vector<NetAttachment>& networks,
                          const std::vector<HostsPeer>& peers) {
  std::string s =
      "127.0.0.1\tlocalhost\n"
      "::1\tlocalhost ip6-localhost ip6-loopback\n"
      "fe00::0\tip6-localnet\n"
      "ff00::0\tip6-mcastprefix\n"
      "ff02::1\tip6-allnodes\n"
      "ff02::2\tip6-allrouters\n";
  for (const auto& a : networks) {
    std::string names = hostname;
    if (!name.empty() && name != hostname) names += " " + name;
    for (const auto& alias : a.aliases)
      if (alias != name && alias != hostname) names += " " + alias;
    if (!a.ip.empty()) s += a.ip + "\t" + names + "\n";
    if (!a.ipv6.empty()) s += a.ipv6 + "\t" + names + "\n";
  }
  for (const auto& p : peers) {
    std::string names;
    for (const auto& n : p.names) names += (names.empty() ? "" : " ") + n;
    s += p.ip + "\t" + names + "\n";
  }
  return s;
}

std::string resolv_conf_content(std::string_view host, bool keep_loopback) {
  std::string out;
  std::istringstream in{std::string(host)};
  for (std::string line; std::getline(in, line);) {
    std::istringstream ls(line);
    std::string key, value;
    ls >> key >> value;
    if (!keep_loopback && key == "nameserver" && (value.starts_with("127.") || value == "::1"))
      continue;
    out += line + "\n";
  }
  return out;
}

Result<> rewrite_hosts(const std::string& dir, const std::string& content) {
  return write_in_place(dir + "/hosts", content);
}

Result<EtcFiles> write_etc_files(const std::string& dir, const Container& c,
                                 const std::string& hostname, const std::vector<HostsPeer>& peers) {
  EtcFiles f{dir + "/hosts", dir + "/hostname", dir + "/resolv.conf"};
  bool host_net = c.config.network == "host";
  std::string hosts =
      host_net ? read_file("/etc/hosts") : hosts_content(hostname, c.name, c.state.networks, peers);
  BERTH_TRY(write_in_place(f.hosts, hosts));
  BERTH_TRY(write_in_place(f.hostname, hostname + "\n"));
  BERTH_TRY(
      write_in_place(f.resolv_conf, resolv_conf_content(read_file("/etc/resolv.conf"), host_net)));
  return f;
}

}  // namespace berth::runtime
