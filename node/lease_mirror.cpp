#include "node/lease_mirror.h"

#include <dirent.h>
#include <sys/stat.h>

#include <cerrno>
#include <ctime>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace berth::node {
namespace {

// etcd's default limit of operations in one transaction.
constexpr size_t kMaxOps = 128;

int64_t ns(const timespec& t) { return int64_t(t.tv_sec) * 1'000'000'000 + t.tv_nsec; }

int64_t mtime_ns(const std::string& dir) {
  struct stat st{};
  if (stat(dir.c_str(), &st) != 0) return 0;
  return ns(st.st_mtim);
}

int64_t realtime_ns() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return ns(ts);
}

}  // namespace

bool mtime_proves_unchanged(int64_t mtime_ns, int64_t now_ns) {
  // The kernel stamps a directory from its coarse clock (one tick, up to 10 ms at HZ=100,
  // more on a loaded VM): a lease linked in the same tick just after our stat leaves the
  // mtime as we saw it, and trusting it would skip that lease until the next change. Only
  // an mtime some ticks old proves that a later pass seeing it again has nothing to read.
  constexpr int64_t kSettled = 100'000'000;  // 100 ms
  return now_ns - mtime_ns > kSettled;
}

Result<std::map<IpAddr, LocalLease>> read_local_leases(const std::string& dir) {
  std::map<IpAddr, LocalLease> out;
  DIR* d = opendir(dir.c_str());
  if (!d) {
    if (errno == ENOENT) return out;
    return fail_errno(Code::kIo, "read leases in `" + dir + "`", errno);
  }
  std::unique_ptr<DIR, int (*)(DIR*)> owner(d, closedir);
  while (dirent* e = readdir(d)) {
    auto ip = IpAddr::parse(e->d_name);
    if (!ip) continue;  // lock, last_reserved_ip.N, attachments/, blocks/, temporary files
    std::ifstream in(dir + "/" + e->d_name);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    auto sep = text.find("\r\n");
    if (!in || sep == std::string::npos) continue;  // vanished, or still being written
    out[*ip] = LocalLease{text.substr(0, sep), text.substr(sep + 2)};
  }
  return out;
}

Result<MirrorCounts> LeaseMirror::sync(int64_t lease) {
  MirrorCounts c;
  const int64_t mtime = mtime_ns(dir_);
  if (lease == lease_ && mtime == dir_mtime_ns_) return c;
  auto now = BERTH_TRY(read_local_leases(dir_));
  if (lease != lease_) mirrored_.clear();  // the records went with the old lease
  std::vector<etcd::Op> ops;
  std::vector<std::pair<IpAddr, std::optional<LocalLease>>> changes;
  for (const auto& [ip, held] : now) {
    auto m = mirrored_.find(ip);
    if (m != mirrored_.end() && m->second == held) continue;
    nlohmann::json v{{"node", node_}, {"containerID", held.container_id}, {"ifname", held.ifname}};
    ops.push_back(etcd::Op::put(prefix_ + ip.str(), v.dump(), lease));
    changes.emplace_back(ip, held);
  }
  for (const auto& [ip, held] : mirrored_)
    if (!now.count(ip)) {
      ops.push_back(etcd::Op::del(prefix_ + ip.str()));
      changes.emplace_back(ip, std::nullopt);
    }
  for (size_t i = 0; i < ops.size(); i += kMaxOps) {
    etcd::Txn t;
    t.success.assign(ops.begin() + long(i), ops.begin() + long(std::min(ops.size(), i + kMaxOps)));
    BERTH_TRY(client_.txn(t));
    for (size_t j = i; j < std::min(ops.size(), i + kMaxOps); ++j) {
      const auto& [ip, held] = changes[j];
      if (held) {
        mirrored_[ip] = *held;
        ++c.puts;
      } else {
        mirrored_.erase(ip);
        ++c.deletes;
      }
    }
  }
  lease_ = lease;
  dir_mtime_ns_ = mtime_proves_unchanged(mtime, realtime_ns()) ? mtime : -1;
  return c;
}

}  // namespace berth::node
