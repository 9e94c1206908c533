// The tar reader: header fields, pax, path cleaning, and extraction that cannot escape
// its destination whatever the archive says.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "runtime/image/tar.h"
#include "runtime/image/tar_header.h"
#include "tests/unit/temp_dir.h"

using namespace berth;
using namespace berth::runtime;
using namespace berth::test;

namespace {

// A minimal ustar writer for the tests.
struct TarBuilder {
  std::string data;

  void header(const std::string& name, char type, const std::string& body,
              const std::string& link = "", unsigned mode = 0644) {
    char h[512] = {};
    std::strncpy(h, name.c_str(), 100);
    std::snprintf(h + 100, 8, "%07o", mode);
    std::snprintf(h + 108, 8, "%07o", 0u);
    std::snprintf(h + 116, 8, "%07o", 0u);
    std::snprintf(h + 124, 12, "%011lo", static_cast<unsigned long>(body.size()));
    std::snprintf(h + 136, 12, "%011o", 1700000000u);
    h[156] = type;
    std::strncpy(h + 157, link.c_str(), 100);
    std::memcpy(h + 257,
                "ustar\0"
                "00",
                8);
    std::memset(h + 148, ' ', 8);
    unsigned sum = 0;
    for (unsigned char ch : h) sum += ch;
    std::snprintf(h + 148, 8, "%06o", sum);
    data.append(h, 512);
    data += body;
    data.append((512 - body.size() % 512) % 512, '\0');
  }
  void file(const std::string& name, const std::string& body) { header(name, '0', body); }
  void dir(const std::string& name) { header(name, '5', "", "", 0755); }
  void symlink(const std::string& name, const std::string& target) {
    header(name, '2', "", target);
  }
  void pax(const std::string& key, const std::string& value) {
    std::string rec = " " + key + "=" + value + "\n";
    size_t len = rec.size() + 2;
    if (std::to_string(len).size() + rec.size() != len) ++len;
    header("PaxHeaders/x", 'x', std::to_string(len) + rec);
  }
  std::string finish() { return data + std::string(1024, '\0'); }
};

Result<> extract(const std::string& archive, const std::string& dest) {
  std::string file = dest + ".tar";
  std::ofstream(file, std::ios::binary) << archive;
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  auto r = extract_tar(fd, dest);
  ::close(fd);
  ::unlink(file.c_str());
  return r;
}

}  // namespace

TEST_CASE("tar numbers: octal, padded, base-256", "[runtime][tar]") {
  CHECK(tar::parse_number(std::string_view("0000644\0", 8)) == 0644u);
  CHECK(tar::parse_number(std::string_view("  644 \0", 7)) == 0644u);
  CHECK(tar::parse_number(std::string_view("\0\0\0\0", 4)) == 0u);
  const char b256[] = {char(0x80), 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0};
  CHECK(tar::parse_number(std::string_view(b256, 12)) == (uint64_t(1) << 32));
  CHECK_FALSE(tar::parse_number("12a4"));
  CHECK_FALSE(tar::parse_number("9"));
}

TEST_CASE("entry paths are cleaned, and absolute or .. paths refused", "[runtime][tar]") {
  CHECK(*tar::clean_path("bin/sh") == "bin/sh");
  CHECK(*tar::clean_path("./bin//sh/") == "bin/sh");
  CHECK(*tar::clean_path("./") == "");
  CHECK(*tar::clean_path("a/./b") == "a/b");
  CHECK(*tar::clean_path("a..b/c") == "a..b/c");
  for (const char* bad : {"/etc/passwd", "../x", "a/../../x", "a/..", ".."}) {
    INFO(bad);
    auto r = tar::clean_path(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Code::kInvalidConfig);
  }
}

TEST_CASE("pax records and headers", "[runtime][tar]") {
  auto pax = tar::parse_pax("30 path=a/very/long/file/name\n19 linkpath=target\n");
  REQUIRE(pax);
  CHECK((*pax)["path"] == "a/very/long/file/name");
  CHECK((*pax)["linkpath"] == "target");
  CHECK_FALSE(tar::parse_pax("99 path=x\n"));
  CHECK_FALSE(tar::parse_pax("garbage"));

  TarBuilder b;
  b.file("dir/file.txt", "hello");
  auto h = tar::parse_header(reinterpret_cast<const unsigned char*>(b.data.data()));
  REQUIRE(h);
  CHECK(h->path == "dir/file.txt");
  CHECK(h->size == 5);
  CHECK(h->mode == 0644);
  CHECK(h->type == '0');
  b.data[0] = 'X';  // breaks the checksum
  CHECK(tar::parse_header(reinterpret_cast<const unsigned char*>(b.data.data())).error().code ==
        Code::kDecode);
}

TEST_CASE("an archive is extracted with its files, dirs, links and pax names", "[runtime][tar]") {
  TempDir d("tar");
  TarBuilder b;
  b.dir("etc/");
  b.file("etc/hostname", "box\n");
  b.symlink("bin", "usr/bin");
  b.dir("usr/bin/");
  b.file("bin/tool", "#!/bin/sh\n");  // through the symlink, inside the image
  b.pax("path", std::string(150, 'n') + "/long.txt");
  b.file("ignored-name", "long\n");
  b.header("etc/hostname.link", '1', "", "etc/hostname");
  REQUIRE(extract(b.finish(), d.path));
  CHECK(slurp(d.path + "/etc/hostname") == "box\n");
  CHECK(slurp(d.path + "/usr/bin/tool") == "#!/bin/sh\n");
  CHECK(slurp(d.path + "/" + std::string(150, 'n') + "/long.txt") == "long\n");
  CHECK(slurp(d.path + "/etc/hostname.link") == "box\n");
  CHECK_FALSE(exists(d.path + "/ignored-name"));
}

TEST_CASE("symlinks in an archive cannot lead writes outside the destination", "[runtime][tar]") {
  TempDir d("tar"), outside("tar");
  REQUIRE(::mkdir((d.path + "/img").c_str(), 0755) == 0);
  {
    // An absolute target means the image's own path, which does not exist there: refused
    // or written inside, but never outside.
    TarBuilder b;
    b.symlink("escape", outside.path);
    b.file("escape/owned", "x");
    (void)extract(b.finish(), d.path + "/img");
    CHECK_FALSE(exists(outside.path + "/owned"));
  }
  {
    // A relative target climbing out is clamped at the image's root.
    TarBuilder b;
    b.symlink("up", "../../../../..");
    b.file("up/tmp/owned2", "y");
    REQUIRE(extract(b.finish(), d.path + "/img"));
    CHECK(slurp(d.path + "/img/tmp/owned2") == "y");
    CHECK_FALSE(exists("/tmp/owned2"));
  }
}

TEST_CASE("hostile or broken archives are refused with the entry named", "[runtime][tar]") {
  TempDir d("tar");
  {
    TarBuilder b;
    b.file("../evil", "x");
    auto r = extract(b.finish(), d.path);
    REQUIRE_FALSE(r);
    CHECK(r.error().msg.find("../evil") != std::string::npos);
  }
  {
    TarBuilder b;
    b.file("/etc/evil", "x");
    CHECK_FALSE(extract(b.finish(), d.path));
  }
  {
    TarBuilder b;
    b.header("hard", '1', "", "../../etc/passwd");
    CHECK_FALSE(extract(b.finish(), d.path));
  }
  {
    TarBuilder b;
    b.file("a", "0123456789");
    auto r = extract(b.data.substr(0, 600), d.path);  // cut inside the data
    REQUIRE_FALSE(r);
    CHECK(r.error().msg.find("truncated") != std::string::npos);
  }
  {
    std::string gz = "\x1f\x8b\x08" + std::string(600, '\0');
    auto r = extract(gz, d.path);
    REQUIRE_FALSE(r);
    CHECK(r.error().msg.find("gzip") != std::string::npos);
  }
}
