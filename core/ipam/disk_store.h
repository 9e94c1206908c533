// DiskStore: the lease store in files under <dataDir>/<network>/, readable by (and
// locking compatibly with) the reference host-local plugin:
//
//   lock                  flock()ed exclusively around every operation
//   10.88.0.5, fd00::5    one file per leased address: "<containerID>\r\n<ifname>"
//   last_reserved_ip.<n>  the address last handed out from range set n
//   attachments/<id>@<ifname>
//                         berth's index: the addresses of one attachment, one a line,
//                         so DEL/CHECK never read every lease file
//
// Lease files stay the source of truth; the index is a superset hint checked against
// them. A directory without an index (written by host-local) is indexed once, by one
// scan, the first time berth locks it; attachments() (GC) rescans and repairs the index.
// Directories are 0700, files 0600.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "core/fd.h"
#include "core/ipam/dir.h"
#include "core/ipam/store.h"

namespace berth::ipam {

class DiskStore final : public Store {
 public:
  static constexpr std::chrono::milliseconds kDefaultLockWait{10'000};

  // Opens <data_dir>/<network> (`network` must already be validated: it becomes a
  // directory name). With `create`, missing directories are made; without it, a missing
  // directory gives nullptr, meaning "nothing was ever leased here".
  [[nodiscard]] static Result<std::unique_ptr<DiskStore>> open(
      const std::string& data_dir, const std::string& network, bool create,
      std::chrono::milliseconds lock_wait = kDefaultLockWait);

  Result<> lock() override;
  void unlock() override;
  Result<bool> reserve(const Attachment& a, const IpAddr& ip, int set) override;
  Result<std::optional<IpAddr>> last_reserved(int set) override;
  Result<std::vector<IpAddr>> leases_of(const Attachment& a) override;
  Result<std::optional<Attachment>> holder(const IpAddr& ip) override;
  Result<size_t> release(const Attachment& a) override;
  Result<std::vector<Attachment>> attachments() override;

  [[nodiscard]] const std::string& path() const { return dir_.path(); }

 private:
  DiskStore(Dir dir, std::chrono::milliseconds lock_wait)
      : dir_(std::move(dir)), lock_wait_(lock_wait) {}
  [[nodiscard]] Result<> need_lock() const;
  [[nodiscard]] Result<> open_index();
  // Removes what killed writers left: temporary files, empty lease files. Under the lock.
  [[nodiscard]] Result<size_t> sweep_debris() const;
  // Every readable lease file, grouped by holder: one read per lease (index build, GC).
  [[nodiscard]] Result<std::map<Attachment, std::vector<IpAddr>>> scan_leases() const;
  // Index entries of `a` as written, not yet checked against the lease files.
  [[nodiscard]] Result<std::vector<IpAddr>> read_index(const Attachment& a) const;
  [[nodiscard]] Result<> write_index(const Attachment& a, const std::vector<IpAddr>& ips) const;

  Dir dir_;                              // <dataDir>/<network>
  Dir index_;                            // attachments/; valid while locked
  UniqueFd lock_fd_;                     // holds the flock; invalid when unlocked
  std::chrono::milliseconds lock_wait_;  // how long lock() keeps retrying
};

// File name of an attachment's index entry, and back. containerID cannot contain '@'
// (§1.3 regex), so the first '@' separates the two parts.
[[nodiscard]] std::string index_name(const Attachment& a);
[[nodiscard]] std::optional<Attachment> parse_index_name(std::string_view name);
// Lease file content, host-local's format: "<id>\r\n<ifname>", or just "<id>" (legacy).
[[nodiscard]] std::string lease_content(const Attachment& a);
[[nodiscard]] std::optional<Attachment> parse_lease_content(std::string_view text);

}  // namespace berth::ipam
