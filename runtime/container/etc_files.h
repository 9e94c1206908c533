// The container's init layer: /etc/hosts, /etc/hostname and /etc/resolv.conf are files in
// the container's directory, bind-mounted over the image's at start (as Docker does), so
// they can be rewritten in place while the container runs.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "runtime/container/state.h"

namespace berth::runtime {

// Another container seen on a shared user-defined network: its address there and the
// names it answers to (name, aliases, short ID).
struct HostsPeer {
  std::string ip;
  std::vector<std::string> names;
  friend bool operator==(const HostsPeer&, const HostsPeer&) = default;
};

// localhost lines, one line per own address ("<ip>\t<hostname> <name> <aliases>"), then
// one per peer.
std::string hosts_content(const std::string& hostname, const std::string& name,
                          const std::vector<NetAttachment>& networks,
                          const std::vector<HostsPeer>& peers = {});
// The host's resolv.conf without loopback nameservers (127.0.0.0/8, ::1), which cannot be
// reached from the container's own namespace. `keep_loopback` (host network) keeps them.
std::string resolv_conf_content(std::string_view host_resolv, bool keep_loopback);

struct EtcFiles {
  std::string hosts, hostname, resolv_conf;  // host paths of the generated files
};

// Writes the three files into `dir` (in place when they exist, so bind mounts see the new
// content). Host network: the host's own /etc/hosts is copied instead of generated.
[[nodiscard]] Result<EtcFiles> write_etc_files(const std::string& dir, const Container& c,
                                               const std::string& hostname,
                                               const std::vector<HostsPeer>& peers = {});
// Rewrites just the hosts file, in place.
[[nodiscard]] Result<> rewrite_hosts(const std::string& dir, const std::string& content);

}  // namespace berth::runtime
