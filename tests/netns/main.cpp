// Entry point of every netns test process: become a throwaway "host" first.
// Not root (or no namespaces): exit 77, which CTest reports as skipped.
#define CATCH_CONFIG_RUNNER
#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <catch2/catch.hpp>

int main(int argc, char** argv) {
  // Listing tests (CTest discovery at build time) needs no namespace and no root.
  for (int i = 1; i < argc; ++i)
    if (std::string(argv[i]).rfind("--list", 0) == 0) return Catch::Session().run(argc, argv);
  if (geteuid() != 0 || unshare(CLONE_NEWNET | CLONE_NEWNS) != 0) {
    std::fprintf(stderr, "netns tests need root and namespaces: skipped\n");
    return 77;
  }
  // Private mounts: nothing mounted below reaches the real host, and all of it vanishes
  // with this process. tmpfs over the state dirs the plugins use by default.
  if (mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) return 77;
  for (const char* dir : {"/run/berth", "/var/lib/cni", "/var/lib/berth", "/tmp/berth-test"}) {
    std::system((std::string("mkdir -p ") + dir).c_str());
    if (mount("tmpfs", dir, "tmpfs", 0, "mode=0755") != 0) return 77;
  }
  std::system("ip link set lo up");
  // A plugin that exits before reading its stdin (e.g. on a missing variable) must not
  // kill the test with SIGPIPE.
  std::signal(SIGPIPE, SIG_IGN);
  return Catch::Session().run(argc, argv);
}
