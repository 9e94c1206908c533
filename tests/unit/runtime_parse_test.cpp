// Values of `run`'s options: sizes, CPUs, restart policies, volumes, env, signals, ports.
#include <signal.h>

#include <catch2/catch.hpp>

#include "runtime/container/config.h"
#include "runtime/container/parse.h"

using namespace berth;
using namespace berth::runtime;

TEST_CASE("memory sizes use binary units and reject nonsense", "[runtime][parse]") {
  CHECK(*parse_memory("64m") == 64 << 20);
  CHECK(*parse_memory("64M") == 64 << 20);
  CHECK(*parse_memory("1g") == int64_t(1) << 30);
  CHECK(*parse_memory("8192k") == 8 << 20);
  CHECK(*parse_memory("7340032") == 7 << 20);
  CHECK(*parse_memory("7340032b") == 7 << 20);
  for (const char* bad : {"", "m", "12x", "-5m", "1.5g", "4m", "99999999999999g"}) {
    INFO(bad);
    auto r = parse_memory(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Code::kInvalidConfig);
    CHECK(r.error().msg.find(std::string("`") + bad + "`") != std::string::npos);
  }
}

TEST_CASE("the cpus option becomes nano-CPUs", "[runtime][parse]") {
  CHECK(*parse_cpus("0.5") == 500'000'000);
  CHECK(*parse_cpus("2") == 2'000'000'000);
  CHECK(*parse_cpus("1.25") == 1'250'000'000);
  for (const char* bad : {"", "0", "-1", "abc", "0.001", "1e9", "nan"}) {
    INFO(bad);
    CHECK_FALSE(parse_cpus(bad));
  }
}

TEST_CASE("restart policies", "[runtime][parse]") {
  using K = RestartPolicy::Kind;
  CHECK(*parse_restart("no") == RestartPolicy{K::kNo, 0});
  CHECK(*parse_restart("always") == RestartPolicy{K::kAlways, 0});
  CHECK(*parse_restart("unless-stopped") == RestartPolicy{K::kUnlessStopped, 0});
  CHECK(*parse_restart("on-failure") == RestartPolicy{K::kOnFailure, 0});
  CHECK(*parse_restart("on-failure:3") == RestartPolicy{K::kOnFailure, 3});
  for (const char* bad : {"sometimes", "on-failure:", "on-failure:x", "on-failure3", "always:2"}) {
    INFO(bad);
    CHECK_FALSE(parse_restart(bad));
  }
  CHECK(to_string(RestartPolicy{K::kOnFailure, 3}) == "on-failure:3");
  CHECK(to_string(RestartPolicy{K::kUnlessStopped, 0}) == "unless-stopped");
}

TEST_CASE("restart decisions follow the policy and never override a manual stop",
          "[runtime][parse]") {
  using K = RestartPolicy::Kind;
  CHECK_FALSE(should_restart({K::kNo, 0}, 1, 0, false));
  CHECK(should_restart({K::kAlways, 0}, 0, 100, false));
  CHECK(should_restart({K::kUnlessStopped, 0}, 0, 0, false));
  CHECK_FALSE(should_restart({K::kAlways, 0}, 0, 0, true));
  CHECK_FALSE(should_restart({K::kOnFailure, 0}, 0, 0, false));
  CHECK(should_restart({K::kOnFailure, 0}, 2, 50, false));
  CHECK(should_restart({K::kOnFailure, 2}, 1, 1, false));
  CHECK_FALSE(should_restart({K::kOnFailure, 2}, 1, 2, false));
  CHECK(restart_delay_ms(0) == 100);
  CHECK(restart_delay_ms(3) == 800);
  CHECK(restart_delay_ms(20) == 60000);
}

TEST_CASE("volumes: host paths, named volumes, modes", "[runtime][parse]") {
  auto v = parse_volume("/srv/www:/www:ro");
  REQUIRE(v);
  CHECK(*v == Volume{"/srv/www", "/www", true});
  CHECK(*parse_volume("/a:/b") == Volume{"/a", "/b", false});
  CHECK(*parse_volume("/a:/b:rw") == Volume{"/a", "/b", false});
  CHECK(*parse_volume("data:/var/lib/data") == Volume{"data", "/var/lib/data", false});
  for (const char* bad : {"/a", ":/b", "/a:b", "/a:/", "/a:/b:rx", "rel/path:/b", "/a,b:/c"}) {
    INFO(bad);
    CHECK_FALSE(parse_volume(bad));
  }
}

TEST_CASE("environment variables", "[runtime][parse]") {
  CHECK(*parse_env("A=1", nullptr) == "A=1");
  CHECK(*parse_env("A=", nullptr) == "A=");
  CHECK(*parse_env("A=b=c", nullptr) == "A=b=c");
  CHECK(*parse_env("HOME", "/root") == "HOME=/root");
  CHECK(*parse_env("UNSET", nullptr) == "");
  CHECK_FALSE(parse_env("=x", nullptr));
  CHECK_FALSE(parse_env("A B=x", nullptr));
}

TEST_CASE("signals by name or number", "[runtime][parse]") {
  CHECK(*parse_signal("KILL") == SIGKILL);
  CHECK(*parse_signal("SIGTERM") == SIGTERM);
  CHECK(*parse_signal("hup") == SIGHUP);
  CHECK(*parse_signal("9") == 9);
  CHECK_FALSE(parse_signal("0"));
  CHECK_FALSE(parse_signal("SIGNOPE"));
  CHECK_FALSE(parse_signal("999"));
}

TEST_CASE("the expose option takes ports and ranges and protocols", "[runtime][parse]") {
  std::vector<std::string> out;
  REQUIRE(parse_expose("80", out));
  REQUIRE(parse_expose("53/udp", out));
  REQUIRE(parse_expose("8000-8002/tcp", out));
  REQUIRE(parse_expose("80/tcp", out));  // a duplicate is kept once
  CHECK(out == std::vector<std::string>{"80/tcp", "53/udp", "8000/tcp", "8001/tcp", "8002/tcp"});
  for (const char* bad : {"", "0", "70000", "80/icmp", "90-80", "x"}) {
    INFO(bad);
    CHECK_FALSE(parse_expose(bad, out));
  }
}
