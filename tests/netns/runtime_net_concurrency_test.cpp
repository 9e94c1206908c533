// Concurrent `berth run`s: many processes make sure the default network exists and attach
// at the same time; one network, distinct addresses, every cache entry written.
#include <sys/wait.h>
#include <unistd.h>

#include <set>

#include <catch2/catch.hpp>

#include "tests/netns/runtime_net_helpers.h"

using namespace berth;
using namespace berth::test;
using namespace berth::runtime::net;

TEST_CASE("16 processes join the default network at once") {
  auto paths = net_paths();
  constexpr int kCount = 16;
  std::vector<std::string> netns;
  for (int i = 0; i < kCount; ++i) netns.push_back(make_netns("c" + std::to_string(i)));
  std::vector<pid_t> kids;
  for (int i = 0; i < kCount; ++i) {
    pid_t pid = fork();
    if (pid == 0) {
      Networks nets(paths);
      auto def = nets.ensure_default();
      if (!def) _exit(2);
      auto a = nets.attach("ctr" + std::to_string(i), netns[size_t(i)], def->name, {});
      if (!a) {
        std::fprintf(stderr, "%s\n", a.error().what().c_str());
        _exit(3);
      }
      _exit(0);
    }
    kids.push_back(pid);
  }
  for (pid_t pid : kids) {
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 0));
  }
  Networks nets(paths);
  REQUIRE(nets.list()->size() == 1);
  auto eps = nets.endpoints("bridge");
  REQUIRE(eps);
  REQUIRE(eps->size() == kCount);
  std::set<std::string> addresses;
  for (const auto& e : *eps) addresses.insert(e.attachment.addresses.at(0).str());
  CHECK(addresses.size() == kCount);
  CHECK(ping(netns[0], eps->back().attachment.addresses[0].addr.str()));
}
