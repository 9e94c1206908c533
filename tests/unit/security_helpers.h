// Shared by the unit security tests (security_names_test.cpp, security_stores_test.cpp):
// hostile names, temporary directories, modes, and a way to run the CNI dispatcher.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include "core/cni/names.h"
#include "core/cni/skel.h"
#include "core/ipam/disk_store.h"
#include "core/nft/lock.h"
#include "ipam/config.h"
#include "tests/common/hostile_text.h"
#include "tests/unit/temp_dir.h"

namespace berth::test::security {

using berth::test::NoUmask;
using berth::test::show;

using nlohmann::json;
using namespace std::chrono_literals;
// tests/unit/temp_dir.h's, for the tests that use this namespace.
using berth::test::exists;
using berth::test::slurp;
using berth::test::spit;
using berth::test::TempDir;

// Names that would leave a directory, or break a file name or a line, if used as given.
inline std::vector<std::string> hostile_names() {
  return {"..",  ".",        "../x", "/abs", "a/b", "x/../../etc", std::string("a\0b", 3),
          "a\nb", "a\rb", std::string(300, 'a'), std::string(300, 'a') + "/x"};
}

inline mode_t mode_of(const std::string& path) {
  struct stat st {};
  REQUIRE(::lstat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

// Every entry below `dir` with its content (files) or "<dir>"/"-> target": a fingerprint
// that must not change when berth is made to look at it through a planted symlink.
inline std::string tree_of(const std::string& dir) {
  namespace fs = std::filesystem;
  std::string out;
  std::vector<std::string> lines;
  for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator();
       ++it) {
    const auto& p = it->path();
    std::string rel = p.string().substr(dir.size());
    if (it->is_symlink())
      lines.push_back(rel + " -> " + fs::read_symlink(p).string());
    else if (it->is_directory())
      lines.push_back(rel + " <dir> " + std::to_string(mode_of(p.string())));
    else
      lines.push_back(rel + " = " + slurp(p.string()) + " " + std::to_string(mode_of(p.string())));
  }
  std::sort(lines.begin(), lines.end());
  for (const auto& l : lines) out += l + "\n";
  return out;
}

// A victim directory outside every store, with a few files that must survive untouched.
inline std::string make_victim(const std::string& base) {
  std::string v = base + "/victim";
  REQUIRE(::mkdir(v.c_str(), 0755) == 0);
  REQUIRE(::mkdir((v + "/attachments").c_str(), 0755) == 0);
  spit(v + "/lock", "precious lock");
  spit(v + "/last_reserved_ip.0", "10.0.0.9");
  spit(v + "/10.0.0.2", "someone\r\neth0");
  spit(v + "/state.json", "{\"precious\": true}");
  return v;
}

// Runs the CNI dispatcher in-process with a plugin whose every handler records that it
// ran: a hostile name must be refused before any of them.
struct Dispatch {
  int rc = -1;
  json out;
  bool handler_ran = false;
};

inline Dispatch dispatch(std::map<std::string, std::string> env, const std::string& input) {
  Dispatch d;
  auto ran = [&d] { d.handler_ran = true; };
  cni::Plugin p{"berth-security-test",
                [&](const cni::Request&) -> Result<cni::CniResult> {
                  ran();
                  return cni::CniResult{};
                },
                [&](const cni::Request&) -> Result<> {
                  ran();
                  return {};
                },
                [&](const cni::Request&) -> Result<> {
                  ran();
                  return {};
                },
                [&](const cni::Request&) -> Result<> {
                  ran();
                  return {};
                },
                [&](const cni::Request&) -> Result<> {
                  ran();
                  return {};
                }};
  std::istringstream in(input);
  std::ostringstream out;
  d.rc = cni::run_plugin(
      p,
      [&](const char* k) -> const char* {
        auto it = env.find(k);
        return it == env.end() ? nullptr : it->second.c_str();
      },
      in, out);
  d.out = json::parse(out.str(), nullptr, false);
  return d;
}

inline std::map<std::string, std::string> env_for(const std::string& command) {
  return {{"CNI_COMMAND", command},
          {"CNI_CONTAINERID", "c1"},
          {"CNI_NETNS", "/run/netns/c1"},
          {"CNI_IFNAME", "eth0"},
          {"CNI_PATH", "/opt/cni/bin"}};
}

// A config whose `name` is `name` (any bytes: json escapes NUL and newline as \u0000, \n).
inline std::string config_named(const std::string& name) {
  return json{{"cniVersion", "1.1.0"}, {"name", name}, {"type", "berth-bridge"}}.dump();
}


}  // namespace berth::test::security
