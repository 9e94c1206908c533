// The traffic side of berth-bench-ports: a fake "outside" host routed to the throwaway
// host, a TCP connect + first-byte probe (server and client are threads that enter the
// container's and the outside namespace), and iperf3 run across the same path.
#pragma once

#include <string>
#include <vector>

namespace berth::bench {

// The outside host: namespace file `netns_path` (made by make_netns), joined to the
// throwaway host by a veth (host end `uplink0` kHostAddr/24, outside end `eth0`
// kOutsideAddr/24), with routes to `routed_subnets` through the host so container
// addresses can be reached straight as well as through published ports.
inline constexpr const char* kHostAddr = "192.0.2.1";  // TEST-NET-1, only inside our namespaces
inline constexpr const char* kOutsideAddr = "192.0.2.2";
std::string make_outside(const std::string& netns_path,
                         const std::vector<std::string>& routed_subnets);

// A TCP target as the outside host sees it.
struct Target {
  std::string addr;
  int port = 0;
};

// Serves `listen_port` inside `server_netns` (accept, read one byte, write one byte,
// close) while a client inside `client_netns` makes `count` connections to each target,
// the targets alternating connection by connection so drift in machine load hits them
// alike. Each sample is connect() start to the first reply byte, in ms. On failure
// returns an error message and leaves `samples` partial.
std::string tcp_round_trips(const std::string& server_netns, int listen_port,
                            const std::string& client_netns, const std::vector<Target>& targets,
                            int count, std::vector<std::vector<double>>& samples);

// iperf3: `iperf3 -s -1 -p listen_port` inside `server_netns`, `iperf3 -c ... -t seconds -J`
// inside `client_netns` to `target`. Returns the receiver's bits per second, or a negative
// value with the reason in `error`.
double iperf3_bits_per_second(const std::string& server_netns, int listen_port,
                              const std::string& client_netns, const Target& target, int seconds,
                              std::string& error);

}  // namespace berth::bench
