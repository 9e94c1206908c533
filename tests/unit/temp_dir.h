// Shared by the unit tests that work on files: a temporary directory that goes away with
// everything in it however the test ends (a failed REQUIRE included), and whole files
// read and written as bytes.
#pragma once

#include <stdlib.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <system_error>

namespace berth::test {

struct TempDir {
  std::string path;
  // /tmp/berth-<tag>-XXXXXX: the tag says which test left it, should one be left.
  explicit TempDir(const std::string& tag = "unit") {
    std::string tmpl = "/tmp/berth-" + tag + "-XXXXXX";
    REQUIRE(::mkdtemp(tmpl.data()));
    path = tmpl;
  }
  // remove_all deletes a symlink planted inside, never what it points to.
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
};

inline void spit(const std::string& path, const std::string& data) {
  std::ofstream f(path, std::ios::binary);
  f << data;
}

// "" for a file that cannot be read.
inline std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// Anything at `path`, a dangling symlink included.
inline bool exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

}  // namespace berth::test
