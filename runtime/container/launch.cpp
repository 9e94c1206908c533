#include "runtime/container/launch.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "core/scope_exit.h"
#include "runtime/container/clock.h"
#include "runtime/container/connect.h"
#include "runtime/container/etc_files.h"
#include "runtime/container/id.h"
#include "runtime/container/netns_file.h"
#include "runtime/container/peers.h"
#include "runtime/container/userns_config.h"
#include "runtime/container/volumes.h"
#include "runtime/process/proc.h"
#include "runtime/process/userns.h"

namespace berth::runtime {
namespace {

// mkdir -p; each directory made here gets exactly `mode` (the umask does not apply).
Result<> mkdir_p(const std::string& path, mode_t mode) {
  for (size_t pos = 1; pos != std::string::npos;) {
    pos = path.find('/', pos + 1);
    std::string cur = path.substr(0, pos);
    if (::mkdir(cur.c_str(), mode) == 0) {
      if (::chmod(cur.c_str(), mode) != 0)
        return fail_errno(Code::kIo, "set the mode of `" + cur + "`", errno);
    } else if (errno != EEXIST) {
      return fail_errno(Code::kIo, "create directory `" + cur + "`", errno);
    }
  }
  return {};
}

// A directory of the container's own (upper/, work/, merged/): made with `mode`, and
// refused when something other than a real directory is there already (a symlink would
// send the overlay's writes elsewhere).
Result<> container_subdir(const std::string& path, mode_t mode) {
  if (::mkdir(path.c_str(), mode) == 0) {
    if (::chmod(path.c_str(), mode) != 0)
      return fail_errno(Code::kIo, "set the mode of `" + path + "`", errno);
    return {};
  }
  if (errno != EEXIST) return fail_errno(Code::kIo, "create directory `" + path + "`", errno);
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return fail_errno(Code::kIo, "stat `" + path + "`", errno);
  if (!S_ISDIR(st.st_mode))
    return fail(Code::kIo, "refusing to use `" + path + "`", "it is not a directory (a symlink?)");
  return {};
}

}  // namespace

NetAttachment attachment_record(const net::Attachment& a, const std::vector<std::string>& aliases) {
  NetAttachment r;
  r.network = a.network;
  r.ifname = a.ifname;
  for (const auto& p : a.addresses) {
    if (p.addr.is_v4() && r.ip.empty()) r.ip = p.addr.str(), r.prefix_len = p.len;
    if (!p.addr.is_v4() && r.ipv6.empty()) r.ipv6 = p.addr.str(), r.ipv6_prefix_len = p.len;
  }
  for (const auto& g : a.gateways) {
    if (g.is_v4() && r.gateway.empty()) r.gateway = g.str();
    if (!g.is_v4() && r.ipv6_gateway.empty()) r.ipv6_gateway = g.str();
  }
  r.mac = a.mac;
  r.aliases = aliases;
  r.ports = a.ports;
  return r;
}

namespace {

// The network namespace the container's process joins: its own (made here), another
// container's, or none at all (host). Returns the path ("" for host).
Result<std::string> netns_for(Runtime& rt, Container& c, int userns_fd) {
  const std::string& mode = c.config.network;
  if (mode == "host") return std::string();
  if (mode.starts_with("container:")) {
    std::string other_id = mode.substr(10);
    auto other = rt.store.load(other_id);
    if (!other || !is_active(other->state.status) || other->state.pid <= 0)
      return fail(Code::kInvalidConfig, "cannot join the network of container `" +
                                            other_id.substr(0, 12) + "`: it is not running");
    if (!other->state.netns.empty()) return other->state.netns;
    if (other->config.network == "host") return std::string();
    return "/proc/" + std::to_string(other->state.pid) + "/ns/net";
  }
  std::string path = rt.store.netns_path(c.id);
  BERTH_TRY(remove_netns_file(path));  // a leftover of a crash
  BERTH_TRY(create_netns_file(path, userns_fd));
  c.state.netns = path;
  return path;
}

Result<std::vector<BindMount>> binds_for(Runtime& rt, const Container& c, const EtcFiles& files) {
  std::vector<BindMount> binds = {{files.hosts, "/etc/hosts", false},
                                  {files.hostname, "/etc/hostname", false},
                                  {files.resolv_conf, "/etc/resolv.conf", false}};
  for (const auto& v : c.config.volumes) {
    std::string source = v.source;
    struct stat st {};
    if (source[0] != '/') {
      // A named volume (parse_volume allowed only [A-Za-z0-9][A-Za-z0-9_.-]*, so no
      // "..": it stays below volumes/), made by create_container; made again here when
      // missing (a record from before volumes were made at create). volumes/ and
      // volumes/<name> are berth's (0700); _data is 0755, as Docker's: it becomes the
      // volume's root inside the container, where processes of any user must enter it.
      source = BERTH_TRY(ensure_volume(rt.store.root(), source));
    } else if (::stat(source.c_str(), &st) != 0) {
      // As Docker: a missing host path becomes a new directory.
      BERTH_TRY(mkdir_p(source, 0755));
    }
    binds.push_back({source, v.target, v.read_only});
  }
  return binds;
}

}  // namespace

std::string container_hostname(const Container& c) {
  if (!c.config.hostname.empty()) return c.config.hostname;
  if (c.config.network == "host") {
    char buf[256] = {};
    if (::gethostname(buf, sizeof buf - 1) == 0) return buf;
  }
  return short_id(c.id);
}

std::vector<std::string> container_env(const Container& c, const std::string& hostname) {
  std::vector<std::string> env;
  auto has = [&](const char* key) {
    std::string k = std::string(key) + "=";
    for (const auto& e : c.config.env)
      if (e.starts_with(k)) return true;
    return false;
  };
  if (!has("PATH"))
    env.push_back("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
  if (!has("HOSTNAME")) env.push_back("HOSTNAME=" + hostname);
  env.insert(env.end(), c.config.env.begin(), c.config.env.end());
  if (c.config.tty && !has("TERM")) env.push_back("TERM=xterm");
  if (!has("HOME")) env.push_back("HOME=/root");
  return env;
}

Result<Launched> launch(Runtime& rt, Container& c, const LaunchIo& io) {
  const ContainerConfig& cfg = c.config;
  const std::string dir = rt.store.dir(c.id);
  struct stat st {};
  if (::stat((c.image_dir + "/rootfs").c_str(), &st) != 0)
    return fail(Code::kUnknownContainer, "the image `" + cfg.image + "` of this container is gone");
  // upper/ is 0755: the overlay's root directory takes its mode, and that is the
  // container's `/`, which every user inside must be able to enter. work/ and merged/
  // are the kernel's and a mount point: 0700, as Docker's overlay2 makes them.
  BERTH_TRY(container_subdir(dir + "/upper", 0755));
  BERTH_TRY(container_subdir(dir + "/work", 0700));
  BERTH_TRY(container_subdir(dir + "/merged", 0700));
  // With a user namespace: made first, as everything else of the container lives in it;
  // the writable layer belongs to the container's root (userns_rootfs.h).
  UniqueFd userns = BERTH_TRY(container_userns(cfg));
  if (userns.valid()) BERTH_TRY(own_for_root(dir + "/upper", cfg.uid_map, cfg.gid_map));

  std::string netns_path = BERTH_TRY(netns_for(rt, c, userns.get()));
  ScopeExit undo_net([&] { (void)teardown(rt, c); });
  UniqueFd netns_fd;
  if (!netns_path.empty()) {
    netns_fd.reset(::open(netns_path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!netns_fd.valid()) return fail_errno(Code::kNetns, "open `" + netns_path + "`", errno);
  }
  // Unless `network disconnect` took it away: then the netns has `lo` only.
  if (uses_plugins(cfg.network) && !c.own_network_detached) BERTH_TRY(attach_own(rt, c));
  // Networks joined with `network connect` come back at every start.
  if (!netns_path.empty())
    for (const auto& n : c.connected) BERTH_TRY(attach_connected(rt, c, n));

  const std::string hostname = container_hostname(c);
  // Peers already running on our user-defined networks are in /etc/hosts from the start.
  std::vector<HostsPeer> peers;
  if (!user_networks(c).empty())
    if (auto all = rt.store.list()) peers = peers_of(c, *all);
  EtcFiles files = BERTH_TRY(write_etc_files(dir, c, hostname, peers));
  if (userns.valid())  // the container's root may edit them, as Docker's may
    for (const auto* f : {&files.hosts, &files.hostname, &files.resolv_conf})
      BERTH_TRY(own_for_root(*f, cfg.uid_map, cfg.gid_map));
  Cgroup cg(rt.cgroups, c.id);
  BERTH_TRY(cg.create(cfg.limits));

  InitSpec spec;
  spec.argv = cfg.cmd;
  spec.env = container_env(c, hostname);
  spec.workdir = cfg.workdir.empty() ? "/" : cfg.workdir;
  spec.hostname = hostname;
  spec.netns_fd = netns_fd.get();
  spec.userns_fd = userns.get();
  spec.rootfs = {c.image_dir + "/rootfs", dir + "/upper", dir + "/work", dir + "/merged",
                 BERTH_TRY(binds_for(rt, c, files))};
  if (userns.valid()) {
    spec.rootfs.userns = true;
    spec.rootfs.root_uid = *host_id(cfg.uid_map, 0);
    spec.rootfs.root_gid = *host_id(cfg.gid_map, 0);
  }
  spec.cgroup_fs = {true, rt.cgroups.v2, {}};
  for (const auto& [ctrl, mnt] : rt.cgroups.v1) spec.cgroup_fs.v1_controllers.push_back(ctrl);
  UniqueFd devnull(::open("/dev/null", O_RDWR | O_CLOEXEC));
  Launched l;
  UniqueFd out_w, err_w;
  if (cfg.tty) {
    spec.tty = true;  // the terminal comes back with the spawned process
  } else {
    int out[2], err[2];
    if (::pipe2(out, O_CLOEXEC) != 0) return fail_errno(Code::kIo, "pipe", errno);
    l.out.reset(out[0]);
    out_w.reset(out[1]);
    if (::pipe2(err, O_CLOEXEC) != 0) return fail_errno(Code::kIo, "pipe", errno);
    l.err.reset(err[0]);
    err_w.reset(err[1]);
    spec.stdin_fd = io.stdin_fd >= 0 ? io.stdin_fd : devnull.get();
    spec.stdout_fd = out_w.get();
    spec.stderr_fd = err_w.get();
  }

  l.init = BERTH_TRY(spawn_init(spec, [&](pid_t pid) { return cg.add(pid); }));
  if (cfg.tty) {
    l.tty = std::move(l.init.tty);
    l.out.reset(::fcntl(l.tty.get(), F_DUPFD_CLOEXEC, 0));
  }
  c.state.status = Status::kRunning;
  c.state.pid = l.init.pid;
  c.state.pid_start = process_start_time(l.init.pid).value_or(0);
  c.state.started_at = now_rfc3339();
  c.state.finished_at.clear();
  c.state.exit_code = 0;
  c.state.oom_killed = false;
  c.state.error.clear();
  undo_net.dismiss();
  return l;
}

Result<> teardown(Runtime& rt, Container& c) {
  Result<> first;
  auto keep = [&](Result<> r) {
    if (!r && first) first = r;
  };
  if (!c.state.networks.empty()) {
    auto nets = rt.networks();
    std::vector<NetAttachment> failed;
    for (auto it = c.state.networks.rbegin(); it != c.state.networks.rend(); ++it) {
      auto r = nets.detach(c.id, c.state.netns, it->network, it->ifname);
      if (!r) failed.insert(failed.begin(), *it);
      keep(r);
    }
    c.state.networks = failed;
  }
  if (c.state.netns == rt.store.netns_path(c.id) || c.state.netns.empty())
    keep(remove_netns_file(rt.store.netns_path(c.id)));
  c.state.netns.clear();
  keep(Cgroup(rt.cgroups, c.id).destroy());
  return first;
}

}  // namespace berth::runtime
