#include "core/nft/firewall.h"

#include <map>
#include <set>

#include "core/nft/batch.h"
#include "core/nft/element.h"
#include "core/nft/netfilter.h"

namespace berth::nft {
namespace {

constexpr uint32_t kFamily = NFPROTO_INET;
constexpr uint32_t kBridgeFamily = NFPROTO_BRIDGE;

using SetElements = std::map<std::string, std::vector<Element>>;

void merge(SetElements& into, SetElements from) {
  for (auto& [set, elems] : from)
    for (auto& el : elems) into[set].push_back(std::move(el));
}

struct Wanted {
  SetElements inet, bridge;
};

Result<Wanted> wanted(const Elements& e) {
  Wanted w;
  w.inet = BERTH_TRY(masquerade_elements(e.masq));
  merge(w.inet, BERTH_TRY(portmap_elements(e.ports, e.members)));
  merge(w.inet, BERTH_TRY(isolation_elements(e.bridges)));
  w.bridge = BERTH_TRY(icc_elements(e.icc_ports));
  merge(w.bridge, BERTH_TRY(macspoof_elements(e.mac_guards)));
  return w;
}

std::unexpected<Error> port_taken(const PortMapping& m, const std::string& owner) {
  return fail(Code::kAddressInUse, "port " + port_name(m) + " is already published",
              "by attachment `" + owner + "`");
}

// The installed elements of `set` for `keys`, by key (absent keys left out).
using Found = std::map<Bytes, Element>;
Result<Found> find(Socket& sock, const std::string& table, uint32_t family, const std::string& set,
                   std::span<const Bytes> keys) {
  Found found;
  auto els = BERTH_TRY(find_elements(sock, table, family, set, keys));
  for (size_t i = 0; i < keys.size(); ++i)
    if (els[i]) found.emplace(keys[i], std::move(*els[i]));
  return found;
}

const Element* in(const Found& found, const Bytes& key) {
  auto it = found.find(key);
  return it == found.end() ? nullptr : &it->second;
}

// Refuses mappings that overlap one of another owner: the same port and protocol on the
// same host address, or on every address on either side. Runs under the lock, before the
// batch is built, so a refusal changes nothing. The keys of each map are looked up together
// (find_elements: point lookups for a few, one dump for many, so neither one mapping over
// 10,000 installed nor 500 mappings at once costs a round trip per installed or wanted
// port); only address-bound mappings are scanned (for a mapping on every address), and
// there are few of those.
Result<> check_ports(Socket& sock, std::span<const PortMapping> ports) {
  std::vector<PortKeys> keys;
  std::map<std::string, std::vector<Bytes>> wanted_keys;  // per map
  for (const auto& m : ports) {
    const PortKeys& k = keys.emplace_back(port_keys(m));
    wanted_keys[k.any_map].push_back(k.any_key);
    if (k.map == k.specific_map) wanted_keys[k.map].push_back(k.key);
  }
  std::map<std::string, Found> found;
  for (const auto& [map, list] : wanted_keys)
    found[map] = BERTH_TRY(find(sock, kTable, kFamily, map, list));
  std::map<std::string, std::vector<PortMapping>> bound;  // address-bound maps, read once
  for (size_t i = 0; i < ports.size(); ++i) {
    const PortMapping& m = ports[i];
    const PortKeys& k = keys[i];
    if (const Element* any = in(found[k.any_map], k.any_key); any && any->tag != m.tag)
      return port_taken(m, any->tag);
    if (k.map == k.specific_map) {
      if (const Element* same = in(found[k.map], k.key); same && same->tag != m.tag)
        return port_taken(m, same->tag);
      continue;
    }
    if (!bound.contains(k.specific_map)) {
      auto& list = bound[k.specific_map];
      for (const auto& el : BERTH_TRY(dump_elements(sock, kTable, kFamily, k.specific_map)))
        if (auto pm = port_mapping(k.specific_map, el)) list.push_back(*pm);
    }
    for (const auto& other : bound[k.specific_map])
      if (other.protocol == m.protocol && other.host_port == m.host_port && other.tag != m.tag)
        return port_taken(other, other.tag);
  }
  return {};
}

std::vector<Bytes> keys_of(const std::vector<Element>& elems) {
  std::vector<Bytes> keys;
  keys.reserve(elems.size());
  for (const auto& el : elems) keys.push_back(el.key);
  return keys;
}

// Adds to `batch` the elements of `want` that are not installed as they are. An element
// whose key is installed with another tag or value is deleted and added again in this
// same batch: the kernel keeps an existing element's userdata on re-add and refuses a
// map key with a new value.
Result<> stage(Socket& sock, Batch& batch, const TableState& state, const SetElements& want) {
  for (const auto& [set, elems] : want) {
    Found have;
    if (state.sets.contains(set)) {
      // A lookup the kernel refuses (say, a set someone recreated with another key
      // type) counts as absent: the batch then fails naming the step that does not fit.
      auto keys = keys_of(elems);
      if (auto f = find(sock, batch.table(), batch.family(), set, keys)) have = std::move(*f);
    }
    std::vector<Element> add, del;
    for (const auto& el : elems) {
      const Element* h = in(have, el.key);
      if (h && h->tag == el.tag && h->data == el.data) continue;
      if (h) del.push_back({el.key, {}});
      add.push_back(el);
    }
    BERTH_TRY(batch.delete_elements(set, del));
    BERTH_TRY(batch.add_elements(set, add));
  }
  return {};
}

Result<> add_impl(Socket& sock, FileLock& lock, const Elements& e) {
  Wanted want = BERTH_TRY(wanted(e));
  auto guard = BERTH_TRY(lock.lock());
  BERTH_TRY(check_ports(sock, e.ports));
  Batch batch(kTable, kFamily);
  if (!want.inet.empty()) {
    TableState state = BERTH_TRY(read_state(sock, kTable, kFamily));
    BERTH_TRY(plan_ensure(batch, berth_table(), state));
    BERTH_TRY(stage(sock, batch, state, want.inet));
  }
  if (!want.bridge.empty()) {
    batch.use_table(kTable, kBridgeFamily);
    TableState state = BERTH_TRY(read_state(sock, kTable, kBridgeFamily));
    BERTH_TRY(plan_ensure(batch, berth_bridge_table(), state));
    BERTH_TRY(stage(sock, batch, state, want.bridge));
  }
  return sock.commit(batch);
}

Result<bool> contains_impl(Socket& sock, const Elements& e) {
  Wanted want = BERTH_TRY(wanted(e));
  for (const auto& [family, sets] : {std::pair{kFamily, &want.inet}, {kBridgeFamily, &want.bridge}})
    for (const auto& [set, elems] : *sets) {
      auto keys = keys_of(elems);
      Found have = BERTH_TRY(find(sock, kTable, family, set, keys));
      for (const auto& el : elems)
        if (const Element* h = in(have, el.key); !h || h->tag != el.tag || h->data != el.data)
          return false;
    }
  return true;
}

Result<size_t> remove_impl(Socket& sock, FileLock& lock, const TagMatch& match,
                           const Firewall::AlsoRemove& also) {
  auto guard = BERTH_TRY(lock.lock());
  struct Set {
    uint32_t family;
    std::string name;
    std::vector<Element> elems;
  };
  std::vector<Set> sets;
  for (uint32_t family : {kFamily, kBridgeFamily}) {
    TableState state = BERTH_TRY(read_state(sock, kTable, family));
    for (const auto& set : state.sets)
      sets.push_back({family, set, BERTH_TRY(dump_elements(sock, kTable, family, set))});
  }
  std::set<std::string> remaining;
  for (const auto& s : sets)
    for (const auto& el : s.elems)
      if (!el.tag.empty() && !match(el.tag)) remaining.insert(el.tag);
  std::set<std::string> extra = also ? also(remaining) : std::set<std::string>{};
  auto goes = [&](const std::string& tag) {
    return !tag.empty() && (match(tag) || extra.contains(tag));
  };
  Batch batch(kTable, kFamily);
  size_t removed = 0;
  for (auto& s : sets) {
    std::vector<Element> del;
    for (auto& el : s.elems)
      if (goes(el.tag)) del.push_back({std::move(el.key), {}});
    if (del.empty()) continue;
    removed += del.size();
    batch.use_table(kTable, s.family);
    BERTH_TRY(batch.delete_elements(s.name, del));
  }
  BERTH_TRY(sock.commit(batch));
  return removed;
}

Result<bool> remove_table_impl(Socket& sock, FileLock& lock) {
  auto guard = BERTH_TRY(lock.lock());
  Batch batch(kTable, kFamily);
  bool inet_gone = false;
  for (uint32_t family : {kFamily, kBridgeFamily}) {
    TableState state = BERTH_TRY(read_state(sock, kTable, family));
    if (!state.exists) continue;
    bool unused = true;
    for (const auto& set : state.sets)
      unused = unused && BERTH_TRY(dump_elements(sock, kTable, family, set)).empty();
    if (!unused) continue;
    batch.use_table(kTable, family);
    batch.delete_table();
    inet_gone = inet_gone || family == kFamily;
  }
  BERTH_TRY(sock.commit(batch));
  return inet_gone;
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
  add_portmap_objects(spec);
  add_isolation_objects(spec);
  return spec;
}

TableSpec berth_bridge_table() {
  TableSpec spec = bridge_table(kTable);
  add_macspoof_objects(spec);
  return spec;
}

Result<Firewall> Firewall::open(std::string lock_path) {
  auto sock = BERTH_TRY(Socket::open());
  auto lock = BERTH_TRY(FileLock::open(std::move(lock_path)));
  return Firewall(std::move(sock), std::move(lock));
}

Result<> Firewall::add_masquerade(std::span<const MasqEntry> entries) {
  if (entries.empty()) return {};
  Elements e;
  e.masq.assign(entries.begin(), entries.end());
  return with_context(add_impl(sock_, lock_, e), "add masquerade");
}

Result<> Firewall::add(const Elements& e) {
  if (e.masq.empty() && e.ports.empty() && e.members.empty() && e.bridges.empty() &&
      e.icc_ports.empty() && e.mac_guards.empty())
    return {};
  return with_context(add_impl(sock_, lock_, e), "add nftables elements");
}

Result<bool> Firewall::contains(const Elements& e) {
  // Read-only: no lock (each lookup is atomic in itself).
  return with_context(contains_impl(sock_, e), "look up nftables elements");
}

Result<std::vector<PortMapping>> Firewall::list_ports() {
  std::vector<PortMapping> out;
  for (const auto& map : port_maps()) {
    auto elems = dump_elements(sock_, kTable, kFamily, map);
    if (!elems) return std::unexpected(elems.error().wrap("list published ports"));
    for (const auto& el : *elems)
      if (auto m = port_mapping(map, el)) out.push_back(*m);
  }
  return out;
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

Result<size_t> Firewall::remove_by_tag(const TagMatch& match, const AlsoRemove& also) {
  return with_context(remove_impl(sock_, lock_, match, also), "remove nftables elements by tag");
}

Result<std::set<std::string>> Firewall::tags() {
  // remove_impl's read under the lock, matching nothing: the batch it commits is empty.
  std::set<std::string> out;
  BERTH_TRY(with_context(remove_impl(sock_, lock_, [](std::string_view) { return false; },
                                     [&](const std::set<std::string>& remaining) {
                                       out = remaining;
                                       return std::set<std::string>{};
                                     }),
                         "list nftables tags"));
  return out;
}

Result<bool> Firewall::remove_table_if_unused() {
  return with_context(remove_table_impl(sock_, lock_), "remove table `inet berth`");
}

}  // namespace berth::nft
