#include "core/ipam/disk_store.h"

#include <fcntl.h>
#include <sys/file.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <map>
#include <thread>

#include "core/cni/names.h"
#include "core/failpoint.h"
#include "core/scope_exit.h"

namespace berth::ipam {
namespace {

constexpr const char* kLockFile = "lock";
constexpr const char* kIndexDir = "attachments";
// The index is built here and renamed into place, so a crash mid-build never leaves a
// partial index that would be mistaken for a complete one.
constexpr const char* kIndexBuildDir = ".attachments.new";
constexpr const char* kLastReservedPrefix = "last_reserved_ip.";

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.remove_suffix(1);
  while (!s.empty() && (s.front() == '\n' || s.front() == '\r' || s.front() == ' ')) s.remove_prefix(1);
  return s;
}

// A lease file is named exactly as host-local names it: the address in canonical text.
std::optional<IpAddr> lease_name_ip(const std::string& name) {
  if (name.empty() || name[0] == '.') return std::nullopt;
  auto ip = IpAddr::parse(name);
  if (!ip || ip->str() != name) return std::nullopt;
  return ip;
}

std::string join_lines(const std::vector<IpAddr>& ips) {
  std::string s;
  for (const auto& ip : ips) s += ip.str() + "\n";
  return s;
}

}  // namespace

namespace {

// File names are at most 255 bytes and write_atomic adds 5 ("." and ".tmp"); container
// IDs have no length limit in CNI. Longer pairs get a hashed name, and the pair itself
// goes into the entry's first line ("#<id>@<ifname>", which no address parses as).
constexpr size_t kMaxPlainIndexName = 200;

uint64_t fnv1a(std::string_view s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

bool hashed_index_name(std::string_view name) { return !name.empty() && name[0] == '~'; }

}  // namespace

std::string index_name(const Attachment& a) {
  std::string plain = a.container_id + "@" + a.ifname;
  if (plain.size() <= kMaxPlainIndexName) return plain;
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(fnv1a(plain)));
  return "~" + std::string(hex) + "@" + a.ifname;
}

std::optional<Attachment> parse_index_name(std::string_view name) {
  auto at = name.find('@');
  if (at == std::string_view::npos || at == 0) return std::nullopt;
  return Attachment{std::string(name.substr(0, at)), std::string(name.substr(at + 1))};
}

std::string lease_content(const Attachment& a) {
  return a.ifname.empty() ? a.container_id : a.container_id + "\r\n" + a.ifname;
}

std::optional<Attachment> parse_lease_content(std::string_view text) {
  text = trim(text);
  Attachment a;
  auto br = text.find('\n');
  if (br == std::string_view::npos) {
    a.container_id = std::string(text);
  } else {
    a.container_id = std::string(trim(text.substr(0, br)));
    a.ifname = std::string(trim(text.substr(br + 1)));
    if (!cni::validate_ifname(a.ifname)) return std::nullopt;
  }
  // Both parts may become index file names: accept only what skel would have accepted.
  if (!cni::validate_container_id(a.container_id)) return std::nullopt;
  return a;
}

Result<std::unique_ptr<DiskStore>> DiskStore::open(const std::string& data_dir,
                                                   const std::string& network, bool create,
                                                   std::chrono::milliseconds lock_wait) {
  BERTH_TRY(cni::validate_network_name(network));
  auto base = BERTH_TRY(Dir::open(data_dir, create));
  if (!base.valid()) return std::unique_ptr<DiskStore>();
  auto dir = BERTH_TRY(base.sub(network, create));
  if (!dir.valid()) return std::unique_ptr<DiskStore>();
  return std::unique_ptr<DiskStore>(new DiskStore(std::move(dir), lock_wait));
}

Result<> DiskStore::need_lock() const {
  if (!lock_fd_.valid()) return fail(Code::kInternal, "lease store used without holding its lock");
  return {};
}

Result<> DiskStore::lock() {
  using namespace std::chrono_literals;
  if (lock_fd_.valid()) return fail(Code::kInternal, "lease store locked twice");
  const std::string lock_path = dir_.path() + "/" + kLockFile;
  UniqueFd f(::openat(dir_.fd(), kLockFile, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!f.valid()) return fail_errno(Code::kStore, "open `" + lock_path + "`", errno);
  // Bounded wait without threads or signals: non-blocking attempts with a short,
  // growing pause. Critical sections last well under a millisecond.
  const auto deadline = std::chrono::steady_clock::now() + lock_wait_;
  auto pause = std::chrono::microseconds(500);
  while (::flock(f.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EINTR) continue;
    if (errno != EWOULDBLOCK) return fail_errno(Code::kStore, "lock `" + lock_path + "`", errno);
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline)
      return fail(Code::kTryAgainLater, "lease store is busy, try again later",
                  "`" + lock_path + "` stayed locked for " + std::to_string(lock_wait_.count()) +
                      " ms");
    std::this_thread::sleep_for(
        std::min<std::chrono::steady_clock::duration>(pause, deadline - now));
    pause = std::min<std::chrono::microseconds>(pause * 2, 10ms);
  }
  lock_fd_ = std::move(f);
  if (auto ok = open_index(); !ok) {
    unlock();
    return ok;
  }
  return {};
}

void DiskStore::unlock() {
  index_ = Dir();
  lock_fd_.reset();  // closing the only fd of the open file description drops the flock
}

Result<std::map<Attachment, std::vector<IpAddr>>> DiskStore::scan_leases() const {
  std::map<Attachment, std::vector<IpAddr>> found;
  for (const auto& name : BERTH_TRY(dir_.list())) {
    auto ip = lease_name_ip(name);
    if (!ip) continue;
    // An entry that cannot be read as a lease (a symlink, a directory) stays where it
    // is, blocking its address, but belongs to nobody berth could release it for.
    auto content = dir_.read(name);
    if (!content || !*content) continue;
    if (auto a = parse_lease_content(**content)) found[*a].push_back(*ip);
  }
  return found;
}

Result<> DiskStore::open_index() {
  index_ = BERTH_TRY(dir_.sub(kIndexDir, false));
  if (index_.valid()) return {};
  // No index yet: a new store, or one written by host-local. Index its leases once.
  BERTH_TRY(dir_.remove_tree(kIndexBuildDir));
  auto build = BERTH_TRY(dir_.sub(kIndexBuildDir, true));
  // The build directory is private until renamed, so plain exclusive creates suffice.
  for (const auto& [a, ips] : BERTH_TRY(scan_leases()))
    BERTH_TRY(build.create_exclusive(index_name(a), join_lines(ips)));
  BERTH_TRY(dir_.rename(kIndexBuildDir, kIndexDir));
  index_ = BERTH_TRY(dir_.sub(kIndexDir, false));
  if (!index_.valid()) return fail(Code::kStore, "open `" + dir_.path() + "/attachments`", "vanished");
  return {};
}

Result<std::vector<IpAddr>> DiskStore::read_index(const Attachment& a) const {
  std::vector<IpAddr> ips;
  auto text = BERTH_TRY(index_.read(index_name(a)));
  if (!text) return ips;
  std::string_view rest = *text;
  while (!rest.empty()) {
    auto nl = rest.find('\n');
    auto line = trim(rest.substr(0, nl));
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    if (auto ip = IpAddr::parse(line)) ips.push_back(*ip);
  }
  return ips;
}

Result<> DiskStore::write_index(const Attachment& a, const std::vector<IpAddr>& ips) const {
  if (ips.empty()) {
    BERTH_TRY(index_.remove(index_name(a)));
    return {};
  }
  const std::string name = index_name(a);
  std::string text = join_lines(ips);
  if (hashed_index_name(name)) text = "#" + a.container_id + "@" + a.ifname + "\n" + text;
  return index_.write_atomic(name, text);
}

Result<bool> DiskStore::reserve(const Attachment& a, const IpAddr& ip, int set) {
  BERTH_TRY(need_lock());
  const std::string name = ip.str();
  // Cheap refusal of a taken address before anything is written (the lock makes the
  // answer hold until the claim below).
  if (BERTH_TRY(dir_.exists(name))) return false;
  // The index first, then the lease: a process killed between the two leaves an index
  // entry without a lease, which release() simply drops; the other order would leave a
  // lease that DEL cannot find.
  auto ips = BERTH_TRY(read_index(a));
  const bool indexed = std::find(ips.begin(), ips.end(), ip) != ips.end();
  if (!indexed) {
    ips.push_back(ip);
    BERTH_TRY(write_index(a, ips));
  }
  ScopeExit unindex([&] {
    if (indexed) return;
    ips.pop_back();
    (void)write_index(a, ips);
  });
  failpoint("ipam.reserve.indexed");
  // The claim itself is an exclusive create (as in host-local), so even a process that
  // ignored the lock could not take the same address twice.
  if (!BERTH_TRY(dir_.claim(name, lease_content(a)))) return false;
  unindex.dismiss();
  failpoint("ipam.reserve.claimed");
  // Only a hint for where the next round-robin search starts: a torn write reads as
  // "none recorded", which is harmless, so no temporary file is needed.
  BERTH_TRY(dir_.overwrite(kLastReservedPrefix + std::to_string(set), name));
  return true;
}

Result<std::optional<IpAddr>> DiskStore::last_reserved(int set) {
  BERTH_TRY(need_lock());
  auto text = BERTH_TRY(dir_.read(kLastReservedPrefix + std::to_string(set)));
  if (!text) return std::optional<IpAddr>();
  return IpAddr::parse(trim(*text));  // garbage reads as "none recorded"
}

Result<std::vector<IpAddr>> DiskStore::leases_of(const Attachment& a) {
  BERTH_TRY(need_lock());
  std::vector<IpAddr> out;
  for (const auto& ip : BERTH_TRY(read_index(a))) {
    if (auto h = BERTH_TRY(holder(ip)); h && *h == a) out.push_back(ip);
  }
  return out;
}

Result<std::optional<Attachment>> DiskStore::holder(const IpAddr& ip) {
  BERTH_TRY(need_lock());
  auto text = BERTH_TRY(dir_.read(ip.str()));
  if (!text) return std::optional<Attachment>();
  // Taken, but by a record we cannot read: an empty attachment, never "free".
  return std::optional<Attachment>(parse_lease_content(*text).value_or(Attachment{}));
}

Result<size_t> DiskStore::release(const Attachment& a) {
  BERTH_TRY(need_lock());
  size_t n = 0;
  for (const auto& ip : BERTH_TRY(read_index(a))) {
    // The index may be stale: only remove a lease that is still this attachment's.
    if (auto h = BERTH_TRY(holder(ip)); h && *h == a) {
      if (BERTH_TRY(dir_.remove(ip.str()))) ++n;
      failpoint("ipam.release.lease_removed");
    }
  }
  // The index entry last, so that a release killed midway is finished by the next one;
  // with it any temporary file a killed index writer left.
  BERTH_TRY(index_.remove(Dir::temp_name(index_name(a))));
  BERTH_TRY(index_.remove(index_name(a)));
  return n;
}

Result<size_t> DiskStore::sweep_debris() const {
  size_t n = 0;
  for (const Dir* d : {&dir_, &index_}) {
    for (const auto& name : BERTH_TRY(d->list())) {
      // Temporary files of write_atomic: while the lock is held, nobody is writing them.
      if (name.size() > 4 && name[0] == '.' && name.ends_with(".tmp")) {
        if (BERTH_TRY(d->remove(name))) ++n;
        continue;
      }
      // An empty lease file: claims are atomic, so only a power loss (no fsync) leaves
      // one. It names nobody and would block its address for good.
      if (d == &dir_ && lease_name_ip(name)) {
        auto text = dir_.read(name);  // unreadable (a symlink, a directory): left alone
        if (text && *text && trim(**text).empty() && BERTH_TRY(dir_.remove(name))) ++n;
      }
    }
  }
  return n;
}

Result<std::vector<Attachment>> DiskStore::attachments() {
  BERTH_TRY(need_lock());
  // GC is rare and runs exclusively, so it can afford to ask the lease files themselves:
  // that also finds leases the index missed (host-local wrote them, or a crash struck
  // between a lease file and its index entry), and adds them to the index so that
  // release() frees them. Debris of killed writers goes first.
  BERTH_TRY(sweep_debris());
  auto found = BERTH_TRY(scan_leases());
  std::vector<Attachment> out;
  for (const auto& [a, ips] : found) {
    auto indexed = BERTH_TRY(read_index(a));
    bool missing = false;
    for (const auto& ip : ips) {
      if (std::find(indexed.begin(), indexed.end(), ip) != indexed.end()) continue;
      indexed.push_back(ip);
      missing = true;
    }
    if (missing) BERTH_TRY(write_index(a, indexed));
    out.push_back(a);
  }
  // Index entries whose leases are all gone: listed too, so that GC clears them.
  for (const auto& name : BERTH_TRY(index_.list())) {
    if (name.empty() || name[0] == '.') continue;  // a temporary file of write_atomic
    auto a = parse_index_name(name);
    if (hashed_index_name(name)) {  // the pair is on the first line
      a.reset();
      if (auto text = index_.read(name); text && *text && (*text)->starts_with("#")) {
        std::string_view first = **text;
        a = parse_index_name(first.substr(1, first.find('\n') - 1));
      }
    }
    if (a && !found.count(*a)) out.push_back(std::move(*a));
  }
  return out;
}

}  // namespace berth::ipam
