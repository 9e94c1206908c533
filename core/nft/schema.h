// A declarative description of the objects in berth's table, and the one function that
// brings the kernel in line with it. Features (masquerade today; port publishing and
// isolation later) each append their sets, chains and rules to the TableSpec; ensure()
// then creates whatever is missing in a single batch, so concurrent plugins (serialised by
// the caller's lock) never see or create half a table and never double a rule.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/nft/expr.h"

namespace berth::nft {

class Batch;
class Socket;

// nft's datatype ids (what `nft list` uses to print keys) and their key sizes.
inline constexpr uint32_t kTypeIpv4Addr = 7, kTypeIpv6Addr = 8, kTypeIfaceIndex = 20;
inline constexpr uint32_t kTypeInetProto = 12, kTypeInetService = 13, kTypeIfname = 41;
inline constexpr uint32_t kTypeEtherAddr = 9;
// The type id of the concatenation `a . b` (nft packs each field type into 6 bits).
constexpr uint32_t concat_type(uint32_t a, uint32_t b) { return (a << 6) | b; }

struct SetSpec {
  std::string name;
  uint32_t key_type = 0;   // nft datatype id, e.g. kTypeIpv4Addr or a concat_type()
  uint32_t key_len = 0;    // bytes; each concatenated field padded to 4
  uint32_t flags = 0;      // NFT_SET_* (0: a plain hash set; NFT_SET_MAP: a map)
  uint32_t data_type = 0;  // maps only: the value's datatype id and length, like the key's
  uint32_t data_len = 0;
  // For `nft list` only (set userdata, as nft writes it): the key's byte order, 0 = not
  // stated (nft assumes big endian), 1 = host order. A lone ifname key needs 1, or nft
  // prints it reversed (as ""); the kernel itself only compares bytes.
  uint32_t key_byteorder = 0;
};

struct ChainSpec {
  std::string name;
  std::string type;   // "nat", "filter", ...; base chains only
  uint32_t hook = 0;  // NF_INET_*
  int32_t priority = 0;
  uint32_t policy = 1;  // NF_ACCEPT
  std::vector<Rule> rules;
};

struct TableSpec {
  std::string name;
  uint32_t family = 0;  // NFPROTO_*
  std::vector<SetSpec> sets;
  std::vector<ChainSpec> chains;
};

// What exists of a table in the kernel.
struct TableState {
  bool exists = false;
  std::set<std::string> sets;
  std::map<std::string, size_t> chains;  // chain name -> number of rules in it
};

// Dumps the table's sets, chains and rule counts (exists=false when there is no table).
[[nodiscard]] Result<TableState> read_state(Socket& sock, const std::string& table,
                                            uint32_t family);

// Adds to `batch` what it takes to turn `state` into `spec`: the table, missing sets,
// missing chains with their rules, and for a chain whose rule count differs from the
// spec (someone flushed or edited it) a flush and the spec's rules again. Returns false
// when nothing is missing (the batch is left untouched).
[[nodiscard]] Result<bool> plan_ensure(Batch& batch, const TableSpec& spec,
                                       const TableState& state);

}  // namespace berth::nft
