// Dir: an open directory plus the few file operations the disk lease store needs. Every
// operation is relative to the directory fd (openat family) with O_NOFOLLOW, so a
// symlink planted inside the store cannot redirect a read or write elsewhere.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "core/fd.h"

namespace berth::ipam {

class Dir {
 public:
  Dir() = default;

  // Opens the absolute directory `path`. With `create`, missing components are made
  // with mode 0700; without it, a missing directory gives an invalid Dir (not an error).
  [[nodiscard]] static Result<Dir> open(const std::string& path, bool create);
  // The same for the entry `name` of this directory, never following a symlink.
  [[nodiscard]] Result<Dir> sub(const std::string& name, bool create) const;

  [[nodiscard]] bool valid() const { return fd_.valid(); }
  [[nodiscard]] int fd() const { return fd_.get(); }
  [[nodiscard]] const std::string& path() const { return path_; }

  // Whether an entry (of any kind, a symlink included) is named `name`.
  [[nodiscard]] Result<bool> exists(const std::string& name) const;
  // Whole content of a small regular file; nullopt when it does not exist.
  [[nodiscard]] Result<std::optional<std::string>> read(const std::string& name) const;
  // Creates `name` (O_EXCL, mode 0600) holding `data`. false when it already exists.
  [[nodiscard]] Result<bool> create_exclusive(const std::string& name, std::string_view data) const;
  // Creates `name` holding `data` in one step: the file appears with its whole content
  // or not at all, even if the process dies midway (an unnamed O_TMPFILE linked into
  // place; where the filesystem lacks O_TMPFILE, create_exclusive). false when `name`
  // exists.
  [[nodiscard]] Result<bool> claim(const std::string& name, std::string_view data) const;
  // Replaces `name` atomically (temporary file + rename); mode 0600. Readers see the
  // old or the new content, never a torn one. A writer killed midway leaves the
  // temporary file temp_name(name) behind; whoever removes `name` removes it too.
  [[nodiscard]] Result<> write_atomic(const std::string& name, std::string_view data) const;
  [[nodiscard]] static std::string temp_name(const std::string& name) { return "." + name + ".tmp"; }
  // Truncates and rewrites `name` in place: no temporary file, but a reader may find it
  // empty or partial after a crash. Only for hints whose loss is harmless.
  [[nodiscard]] Result<> overwrite(const std::string& name, std::string_view data) const;
  // Unlinks file `name`. false when it did not exist.
  [[nodiscard]] Result<bool> remove(const std::string& name) const;
  // Removes the subdirectory `name` and the files in it (one level). Missing is fine.
  [[nodiscard]] Result<> remove_tree(const std::string& name) const;
  [[nodiscard]] Result<> rename(const std::string& from, const std::string& to) const;
  // Entry names, without "." and "..", in no particular order.
  [[nodiscard]] Result<std::vector<std::string>> list() const;

 private:
  Dir(UniqueFd fd, std::string path) : fd_(std::move(fd)), path_(std::move(path)) {}
  [[nodiscard]] std::string at(const std::string& name) const { return path_ + "/" + name; }

  UniqueFd fd_;       // invalid: the directory does not exist
  std::string path_;  // for error messages only; never reopened by name
};

}  // namespace berth::ipam
