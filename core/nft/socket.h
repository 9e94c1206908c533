// The netfilter netlink socket: sends a Batch and checks every acknowledgement, and runs
// GET/dump requests. Opened in the calling thread's network namespace and bound to it for
// life, like any netlink socket; close-on-exec from birth.
#pragma once

#include <linux/netlink.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/nft/handles.h"

namespace berth::nft {

class Batch;

class Socket {
 public:
  [[nodiscard]] static Result<Socket> open();

  // Sends the finished batch as one transaction and waits for the kernel's verdict on
  // every message in it. Any refusal fails the whole batch (the kernel applies nothing);
  // the error names the refused message: "nftables batch refused: add set `x`: <strerror>".
  [[nodiscard]] Result<> commit(Batch& batch);

  // One reply message of a GET, copied out of the receive buffer.
  using Message = std::vector<char>;
  // Sends a GET request of `type` (NFT_MSG_GET*) for `family`, with `dump` adding
  // NLM_F_DUMP; `payload` fills in the request's attributes (may be empty). Returns the
  // replies, or nullopt when the kernel answers ENOENT (no such table/set/chain). A dump
  // the kernel marks interrupted (the ruleset changed meanwhile) is retried.
  [[nodiscard]] Result<std::optional<std::vector<Message>>> get(
      uint16_t type, uint16_t family, bool dump,
      const std::function<void(nlmsghdr*)>& payload = {});

  // The netlink socket's descriptor (to keep it open elsewhere: link_delete.h).
  [[nodiscard]] int fd() const;

 private:
  explicit Socket(UniqueMnlSocket nl);
  // Reads and throws away anything queued (replies of an abandoned request).
  void drain();
  // Raises SO_SNDBUF when a batch does not fit the default send buffer.
  void fit_sndbuf(size_t len);

  UniqueMnlSocket nl_;
  uint32_t portid_ = 0;
  uint32_t seq_ = 0;  // for GET requests; batches carry their own
  std::vector<char> rx_;
};

}  // namespace berth::nft
