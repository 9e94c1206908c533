// Firewall: berth's one entry point to nftables. berth owns table `inet berth` and never
// touches anything else. Every change is one atomic batch, made while holding the host-wide
// lock file, so concurrent plugin processes neither double rules nor race table removal.
//
// One Firewall per plugin invocation (or per thread): it acts in the network namespace of
// the thread that called open(), and is not itself thread-safe.
#pragma once

#include <cstddef>
#include <functional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/nft/isolation.h"
#include "core/nft/lock.h"
#include "core/nft/macspoof.h"
#include "core/nft/masquerade.h"
#include "core/nft/portmap.h"
#include "core/nft/schema.h"
#include "core/nft/socket.h"

namespace berth::nft {

inline constexpr const char* kTable = "berth";  // family inet; and bridge (icc, macspoofchk)

// Everything table `inet berth` should contain. Features add their objects here.
[[nodiscard]] TableSpec berth_table();
// Everything table `bridge berth` should contain (icc=false and macspoofchk).
[[nodiscard]] TableSpec berth_bridge_table();

// What one attachment (or one network) needs in berth's tables; each entry names its owner
// tag. Firewall::add installs all of it in one transaction.
struct Elements {
  std::vector<MasqEntry> masq;
  std::vector<PortMapping> ports;
  std::vector<Member> members;
  std::vector<BridgeEntry> bridges;  // network-level
  std::vector<IccPort> icc_ports;    // in table `bridge berth`
  std::vector<MacGuard> mac_guards;  // in table `bridge berth`
};

using TagMatch = std::function<bool(std::string_view)>;

class Firewall {
 public:
  // Opens the nftables socket in the calling thread's netns and the lock file at
  // `lock_path` (e.g. /run/berth/nft.lock; parent created 0700, file 0600).
  [[nodiscard]] static Result<Firewall> open(std::string lock_path);

  // Creates whatever of the table is missing, then adds one element per entry and set, all
  // in one batch. Re-adding an entry is fine. An address already present under another
  // tag changes owner (its previous owner is gone: the address was handed out again).
  [[nodiscard]] Result<> add_masquerade(std::span<const MasqEntry> entries);

  // Creates whatever of the tables is missing and adds every element of `e`, all in one
  // batch, while holding the lock. Port mappings are checked first: a host address, port
  // and protocol another tag has published already is code 102 (kAddressInUse), naming the
  // port and the owner, and nothing at all changes. Otherwise as add_masquerade: re-adding
  // is fine, and an element whose key another tag holds changes owner.
  [[nodiscard]] Result<> add(const Elements& e);

  // True when every element of `e` is installed with its tag (and, in a map, its value).
  [[nodiscard]] Result<bool> contains(const Elements& e);

  // Every published port with its tag; empty when there is no table.
  [[nodiscard]] Result<std::vector<PortMapping>> list_ports();

  // Every masquerade entry with its tag; empty when there is no table.
  [[nodiscard]] Result<std::vector<MasqEntry>> list_masquerade();

  // Deletes, in one batch, the elements of every set in berth's tables whose tag satisfies
  // `match`; untagged elements are never matched. `also`, when given, is then called with
  // the tags that remain and names further tags to delete in the same batch (a network's
  // own elements once no container of it is left). Returns how many elements went (an
  // entry with a bridge is two). No table: 0.
  using AlsoRemove = std::function<std::set<std::string>(const std::set<std::string>& remaining)>;
  [[nodiscard]] Result<size_t> remove_by_tag(const TagMatch& match, const AlsoRemove& also = {});

  // Every tag on an element of berth's tables (read under the lock); empty without a table.
  [[nodiscard]] Result<std::set<std::string>> tags();

  // Deletes each of berth's tables whose sets are all empty, so that GC can leave the
  // ruleset as it was before berth ran. Returns whether it deleted `inet berth` (false: in
  // use or absent).
  [[nodiscard]] Result<bool> remove_table_if_unused();

  // The nftables socket's descriptor. Closing it after a batch that deleted elements waits
  // for an RCU grace period (nf_tables frees them first); link_delete.h can take that wait.
  [[nodiscard]] int socket_fd() const { return sock_.fd(); }

 private:
  Firewall(Socket sock, FileLock lock) : sock_(std::move(sock)), lock_(std::move(lock)) {}

  Socket sock_;
  FileLock lock_;
};

}  // namespace berth::nft
