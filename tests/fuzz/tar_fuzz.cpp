// Image archives (runtime/image/tar*): the whole extraction, as `berth image import`
// runs it, into a fresh directory. Invariant: nothing is ever created outside that
// directory, whatever the archive holds (`..`, absolute paths, symlinks and hard links
// leading out, pax and GNU long names). The directory sits four levels deep inside a
// sandbox so that `../..`-style escapes land somewhere this target looks; a fixed
// canary name next to the sandbox catches absolute paths the seeds aim at it. Needs
// root (extraction keeps owners and makes device nodes), like the runtime.
#include <fcntl.h>
#include <ftw.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include "core/fd.h"
#include "runtime/image/tar.h"
#include "runtime/image/tar_header.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

std::string g_sandbox;                               // /tmp/berth-fuzz-tar.XXXXXX
std::string g_root;                                  // <sandbox>/a/b/c/d/root
const char* kCanary = "/tmp/berth-fuzz-tar-escape";  // the seeds' absolute targets

// Every path in the sandbox must be one of the chain directories or inside the root.
int check_entry(const char* path, const struct stat*, int, struct FTW*) {
  std::string p = path;
  static const char* kChain[] = {"", "/a", "/a/b", "/a/b/c", "/a/b/c/d"};
  for (const char* c : kChain)
    if (p == g_sandbox + c) return 0;
  FUZZ_CHECK(p == g_root || p.starts_with(g_root + "/"), p.c_str());
  return 0;
}

int remove_entry(const char* path, const struct stat*, int flag, struct FTW*) {
  if (flag == FTW_DP) return ::rmdir(path);
  return ::unlink(path);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  berth::fuzz::quiet_logs();
  char tmpl[] = "/tmp/berth-fuzz-tar.XXXXXX";
  FUZZ_CHECK(::mkdtemp(tmpl) != nullptr, "mkdtemp");
  g_sandbox = tmpl;
  g_root = g_sandbox + "/a/b/c/d/root";
  for (const char* d : {"/a", "/a/b", "/a/b/c", "/a/b/c/d"})
    FUZZ_CHECK(::mkdir((g_sandbox + d).c_str(), 0700) == 0, "mkdir sandbox");
  // The sandbox goes when the process ends, however it ends.
  std::atexit([] { ::nftw(g_sandbox.c_str(), remove_entry, 16, FTW_DEPTH | FTW_PHYS); });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The entry-path cleaner on its own: no ".." and no leading '/' ever come out.
  std::string_view as_path(reinterpret_cast<const char*>(data), size < 256 ? size : 256);
  if (auto p = berth::runtime::tar::clean_path(as_path)) {
    FUZZ_CHECK(!p->starts_with("/"), "clean_path kept a leading /");
    FUZZ_CHECK(("/" + *p + "/").find("/../") == std::string::npos, "clean_path kept ..");
  }

  berth::UniqueFd in(::memfd_create("tar", MFD_CLOEXEC));
  FUZZ_CHECK(in.valid(), "memfd_create");
  FUZZ_CHECK(::write(in.get(), data, size) == ssize_t(size), "write memfd");
  ::lseek(in.get(), 0, SEEK_SET);
  FUZZ_CHECK(::mkdir(g_root.c_str(), 0755) == 0, "mkdir root");
  (void)berth::runtime::extract_tar(in.get(), g_root);  // errors are fine; escapes are not

  struct stat st;
  FUZZ_CHECK(::lstat(kCanary, &st) != 0, "an archive wrote the canary outside the root");
  FUZZ_CHECK(::nftw(g_sandbox.c_str(), check_entry, 16, FTW_PHYS) == 0, "walk sandbox");
  FUZZ_CHECK(::nftw(g_root.c_str(), remove_entry, 16, FTW_DEPTH | FTW_PHYS) == 0, "clean root");
  return 0;
}
