// Builds the small Go drivers next to this file (libcni_client.go, gocni_client.go)
// against Debian's packaged Go sources, offline: GOPATH=/usr/share/gocode, no modules,
// no proxy. Each builds in about two seconds; tests skip (with a warning) when golang-go
// or the library's -dev package is not installed.
#pragma once

#include <sys/stat.h>

#include <map>
#include <string>

#include <catch2/catch.hpp>

#include "tests/netns/fixture.h"

namespace berth::test {

// `source`: file name beside this header; `package_dir`: a directory the -dev package
// installs. Returns the binary's path, or "" when it cannot be built here.
inline std::string go_tool(const std::string& source, const std::string& package_dir, const std::string& packages) {
  static std::map<std::string, std::string> built;
  if (auto it = built.find(source); it != built.end()) return it->second;
  struct stat st {};
  if (stat(package_dir.c_str(), &st) != 0 || sh("command -v go").empty()) {
    WARN("needs Debian packages " << packages << ": skipped");
    return built[source] = "";
  }
  std::string here = __FILE__;
  std::string src = here.substr(0, here.rfind('/')) + "/" + source;
  std::string dir = temp_dir();
  std::string bin = dir + "/" + source.substr(0, source.rfind('.'));
  int rc = 1;
  auto out = sh("cd " + dir + " && GO111MODULE=off GOPATH=/usr/share/gocode GOPROXY=off GOFLAGS= GOCACHE=" + dir +
                    "/cache go build -o " + bin + " " + src + " 2>&1",
                &rc);
  INFO(out);
  REQUIRE(rc == 0);
  return built[source] = bin;
}

}  // namespace berth::test
