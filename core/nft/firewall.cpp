#include "core/nft/firewall.h"

#include <map>

#include "core/nft/batch.h"
#include "core/nft/element.h"
#include "core/nft/netfilter.h"

namespace berth::nft {
namespace {

constexpr uint32_t kFamily = NFPROTO_INET;

Result<> add_impl(Socket& sock, FileLock& lock, std::span<const MasqEntry> entries) {
  auto want = BERTH_TRY(masquerade_elements(entries));
  auto guard = BERTH_TRY(lock.lock());
  TableState state = BERTH_TRY(read_state(sock, kTable, kFamily));
  Batch batch(kTable, kFamily);
  BERTH_TRY(plan_ensure(batch, berth_table(), state));
  for (const auto& [set, elems] : want) {
    std::map<Bytes, std::string> have;
    if (state.sets.contains(set))
      for (auto& el : BERTH_TRY(dump_elements(sock, kTable, kFamily, set)))
        have[el.key] = std::move(el.tag);
    std::vector<Element> add, del;
    for (const auto& el : elems) {
      auto it = have.find(el.key);
      if (it != have.end() && it->second == el.tag) continue;
      // The kernel keeps an existing element's userdata on re-add, so an owner change
      // is a delete and an add of the same key in this one batch.
      if (it != have.end()) del.push_back({el.key, {}});
      add.push_back(el);
    }
    BERTH_TRY(batch.delete_elements(set, del));
    BERTH_TRY(batch.add_elements(set, add));
  }
  return sock.commit(batch);
}

Result<size_t> remove_impl(Socket& sock, FileLock& lock,
                           const std::function<bool(std::string_view)>& match) {
  auto guard = BERTH_TRY(lock.lock());
  TableState state = BERTH_TRY(read_state(sock, kTable, kFamily));
  if (!state.exists) return 0;
  Batch batch(kTable, kFamily);
  size_t removed = 0;
  for (const auto& set : state.sets) {
    std::vector<Element> del;
    for (auto& el : BERTH_TRY(dump_elements(sock, kTable, kFamily, set)))
      if (!el.tag.empty() && match(el.tag)) del.push_back({std::move(el.key), {}});
    removed += del.size();
    BERTH_TRY(batch.delete_elements(set, del));
  }
  BERTH_TRY(sock.commit(batch));
  return removed;
}

Result<bool> remove_table_impl(Socket& sock, FileLock& lock) {
  auto guard = BERTH_TRY(lock.lock());
  TableState state = BERTH_TRY(read_state(sock, kTable, kFamily));
  if (!state.exists) return false;
  for (const auto& set : state.sets)
    if (!BERTH_TRY(dump_elements(sock, kTable, kFamily, set)).empty()) return false;
  Batch batch(kTable, kFamily);
  batch.delete_table();
  BERTH_TRY(sock.commit(batch));
  return true;
}

template <typename T>
Result<T> with_context(Result<T> r, const char* context) {
  if (!r) return std::unexpected(r.error().wrap(context));
  return r;
}

}  // namespace

TableSpec berth_table() {
  TableSpec spec{.name = kTable, .family = kFamily};
  add_masquerade_objects(spec);
  return spec;
}

Result<Firewall> Firewall::open(std::string lock_path) {
  auto sock = BERTH_TRY(Socket::open());
  auto lock = BERTH_TRY(FileLock::open(std::move(lock_path)));
  return Firewall(std::move(sock), std::move(lock));
}

Result<> Firewall::add_masquerade(std::span<const MasqEntry> entries) {
  if (entries.empty()) return {};
  return with_context(add_impl(sock_, lock_, entries), "add masquerade");
}

Result<std::vector<MasqEntry>> Firewall::list_masquerade() {
  // Read-only: no lock. Each set's dump is consistent in itself (Socket::get retries a
  // dump that a concurrent change interrupted).
  std::map<std::string, std::vector<Element>> sets;
  for (const auto& set : masquerade_sets()) {
    auto elems = dump_elements(sock_, kTable, kFamily, set);
    if (!elems) return std::unexpected(elems.error().wrap("list masquerade"));
    sets[set] = std::move(*elems);
  }
  return masquerade_entries(sets);
}

Result<size_t> Firewall::remove_by_tag(const std::function<bool(std::string_view)>& match) {
  return with_context(remove_impl(sock_, lock_, match), "remove nftables elements by tag");
}

Result<bool> Firewall::remove_table_if_unused() {
  return with_context(remove_table_impl(sock_, lock_), "remove table `inet berth`");
}

}  // namespace berth::nft
