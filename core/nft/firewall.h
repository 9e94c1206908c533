// Firewall: berth's one entry point to nftables. berth owns table `inet berth` and never
// touches anything else. Every change is one atomic batch, made while holding the host-wide
// lock file, so concurrent plugin processes neither double rules nor race table removal.
//
// One Firewall per plugin invocation (or per thread): it acts in the network namespace of
// the thread that called open(), and is not itself thread-safe.
#pragma once

#include <cstddef>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/nft/lock.h"
#include "core/nft/masquerade.h"
#include "core/nft/schema.h"
#include "core/nft/socket.h"

namespace berth::nft {

inline constexpr const char* kTable = "berth";  // family inet

// Everything table `inet berth` should contain. Features add their objects here.
[[nodiscard]] TableSpec berth_table();

class Firewall {
 public:
  // Opens the nftables socket in the calling thread's netns and the lock file at
  // `lock_path` (e.g. /run/berth/nft.lock; parent created 0755, file 0600).
  [[nodiscard]] static Result<Firewall> open(std::string lock_path);

  // Creates whatever of the table is missing, then adds one element per entry and set, all
  // in one batch. Re-adding an entry is fine. An address already present under another
  // tag changes owner (its previous owner is gone: the address was handed out again).
  [[nodiscard]] Result<> add_masquerade(std::span<const MasqEntry> entries);

  // Every masquerade entry with its tag; empty when there is no table.
  [[nodiscard]] Result<std::vector<MasqEntry>> list_masquerade();

  // Deletes, in one batch, the elements of every set in the table whose tag satisfies
  // `match`; untagged elements are never matched. Returns how many elements went (an
  // entry with a bridge is two). No table: 0.
  [[nodiscard]] Result<size_t> remove_by_tag(const std::function<bool(std::string_view)>& match);

  // Deletes the table when every set in it is empty, so that GC can leave the ruleset as
  // it was before berth ran. Returns whether it deleted the table (false: in use or absent).
  [[nodiscard]] Result<bool> remove_table_if_unused();

 private:
  Firewall(Socket sock, FileLock lock) : sock_(std::move(sock)), lock_(std::move(lock)) {}

  Socket sock_;
  FileLock lock_;
};

}  // namespace berth::nft
