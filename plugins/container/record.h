// Joiner records: one small file per joiner under <stateDir>/<network>/, named
// "<containerID>@<ifname>" ('@' cannot occur in a container ID, so the name splits
// unambiguously). Names are validated by the skel before they get here; every open is
// O_NOFOLLOW relative to a directory fd, so a planted symlink cannot redirect a write.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/error.h"

namespace berth::container {

struct Record {
  std::string joiner, ifname;        // the attachment: CNI_CONTAINERID, CNI_IFNAME
  std::string netns;                 // the joiner's CNI_NETNS at ADD
  std::string target, target_netns;  // whose namespace it joined
};

// Creates or replaces the record atomically (write a temp file, rename).
[[nodiscard]] Result<> write_record(const std::string& state_dir, const std::string& network, const Record& r);
// nullopt when there is none.
[[nodiscard]] Result<std::optional<Record>> read_record(const std::string& state_dir, const std::string& network,
                                                        const std::string& joiner, const std::string& ifname);
// False when there was none.
[[nodiscard]] Result<bool> remove_record(const std::string& state_dir, const std::string& network,
                                         const std::string& joiner, const std::string& ifname);
// Every (joiner, ifname) recorded for `network`.
[[nodiscard]] Result<std::vector<std::pair<std::string, std::string>>> list_records(const std::string& state_dir,
                                                                                     const std::string& network);

}  // namespace berth::container
