// Batch: the messages of one nftables transaction, between NFNL_MSG_BATCH_BEGIN and
// NFNL_MSG_BATCH_END. The kernel applies a batch all or nothing, so each berth operation
// is exactly one Batch committed through Socket::commit. Every message inside carries
// NLM_F_ACK, and the batch remembers what each one does so a refusal can be named.
// A Batch only builds bytes; it needs no privileges and no kernel (unit-testable).
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/nft/element.h"
#include "core/nft/expr.h"
#include "core/nft/schema.h"

struct nlmsghdr;

namespace berth::nft {

class Batch {
 public:
  struct Message {
    uint32_t seq;
    uint16_t type;     // NFT_MSG_*
    std::string what;  // "add set `masq4`", for errors
  };

  // All objects live in `table` of `family`; messages are numbered from `first_seq`.
  Batch(std::string table, uint32_t family, uint32_t first_seq = 1);

  // Messages from here on are about `table` of `family` (one transaction may span berth's
  // inet and bridge tables).
  void use_table(std::string table, uint32_t family);

  void add_table();  // create if absent
  void delete_table();
  void add_set(const SetSpec& set);        // create if absent
  void add_chain(const ChainSpec& chain);  // the chain only, not its rules
  void flush_chain(const std::string& chain);
  [[nodiscard]] Result<> add_rule(const std::string& chain, const Rule& rule);
  // Adding an element that exists (same key) is not an error; it keeps its old userdata.
  // A map element must have a value (Element::data), and re-adding its key with another
  // value fails the batch (EEXIST): delete it first.
  [[nodiscard]] Result<> add_elements(const std::string& set, std::span<const Element> elems);
  // Deleting an element that does not exist fails the batch (ENOENT).
  [[nodiscard]] Result<> delete_elements(const std::string& set, std::span<const Element> elems);

  // Appends BATCH_END and returns the whole transaction. Adding more afterwards reopens
  // the batch (the END goes until the next finish()).
  std::span<const char> finish();
  // Messages between BEGIN and END, in order.
  [[nodiscard]] const std::vector<Message>& messages() const { return msgs_; }
  [[nodiscard]] bool empty() const { return msgs_.empty(); }
  [[nodiscard]] const std::string& table() const { return table_; }
  [[nodiscard]] uint32_t family() const { return family_; }

 private:
  // Starts a message at the end of the buffer, with kMaxMessage bytes of room.
  nlmsghdr* begin_msg(uint16_t type, uint16_t flags, std::string what);
  void end_msg(nlmsghdr* nlh);
  [[nodiscard]] Result<> put_elements(uint16_t type, const std::string& set,
                                      std::span<const Element> elems);
  [[nodiscard]] uint32_t set_id(const std::string& set) const;
  [[nodiscard]] std::string set_key(const std::string& set) const;  // family, table, set

  std::string table_;
  uint32_t family_;
  uint32_t seq_;
  std::vector<char> buf_;
  size_t used_ = 0;
  bool finished_ = false;  // END appended; it starts at end_at_ and has seq seq_ - 1
  size_t end_at_ = 0;
  std::vector<Message> msgs_;
  std::map<std::string, uint32_t> set_ids_;  // sets created by this batch (set_key) -> ids
};

}  // namespace berth::nft
