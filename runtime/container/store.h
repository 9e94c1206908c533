// The container store: one directory per container under <root>/containers/<id>/ holding
// state.json (the record, replaced atomically), lock (flock per container), the log, the
// overlay upper/work/merged directories and the generated /etc files.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "runtime/container/lock.h"
#include "runtime/container/state.h"

namespace berth::runtime {

class Store {
 public:
  explicit Store(std::string root) : root_(std::move(root)) {}

  [[nodiscard]] const std::string& root() const { return root_; }
  [[nodiscard]] std::string containers_dir() const { return root_ + "/containers"; }
  [[nodiscard]] std::string dir(std::string_view id) const {
    return containers_dir() + "/" + std::string(id);
  }
  [[nodiscard]] std::string log_path(std::string_view id) const {
    return dir(id) + "/container.log";
  }
  // Where the network namespace of a container is bind-mounted while it runs.
  [[nodiscard]] std::string netns_path(std::string_view id) const {
    return root_ + "/netns/" + std::string(id);
  }

  // Creates <root>, containers/ and netns/ when missing.
  [[nodiscard]] Result<> init() const;
  // Code 3 when the container does not exist (any more).
  [[nodiscard]] Result<Container> load(const std::string& id) const;
  // Writes state.json through a temporary file and rename(2): readers never see half.
  [[nodiscard]] Result<> save(const Container& c) const;
  // Every container whose record can be read, oldest first.
  [[nodiscard]] Result<std::vector<Container>> list() const;
  // Name, full ID or unique ID prefix -> ID (see resolve_ref).
  [[nodiscard]] Result<std::string> resolve(std::string_view ref) const;
  // The container's own lock: every change of its record happens under it.
  [[nodiscard]] Result<FileLock> lock(const std::string& id) const;
  // The store-wide lock that makes name allocation unique.
  [[nodiscard]] Result<FileLock> lock_names() const;

 private:
  std::string root_;
};

}  // namespace berth::runtime
