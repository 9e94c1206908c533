#include "bench/ports_net.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/ip.h"
#include "core/netlink/addr_route.h"
#include "core/netlink/link.h"
#include "core/netns.h"

namespace berth::bench {
namespace {

double now_ms() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return double(ts.tv_sec) * 1e3 + double(ts.tv_nsec) / 1e6;
}

std::string sys_error(const std::string& what) { return what + ": " + std::strerror(errno); }

// setns() of the calling thread (or of a forked child before exec) into the namespace file.
std::string enter_netns(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return sys_error("open " + path);
  int rc = setns(fd, CLONE_NEWNET);
  close(fd);
  return rc == 0 ? "" : sys_error("setns " + path);
}

sockaddr_in ipv4(const std::string& addr, int port) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(uint16_t(port));
  inet_pton(AF_INET, addr.c_str(), &sa.sin_addr);
  return sa;
}

// A blocking socket whose connect, send and receive give up after two seconds, so a
// mapping that does not answer stops the benchmark instead of hanging it.
int tcp_socket() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  timeval tv{2, 0};
  if (fd >= 0) {
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  return fd;
}

// One connection: connect, one byte out, one byte back. -1 on failure (errno set).
double round_trip(const Target& t) {
  int fd = tcp_socket();
  if (fd < 0) return -1;
  sockaddr_in sa = ipv4(t.addr, t.port);
  char byte = 'x';
  const double start = now_ms();
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0 &&
            send(fd, &byte, 1, MSG_NOSIGNAL) == 1 && recv(fd, &byte, 1, 0) == 1;
  const double elapsed = now_ms() - start;
  int saved = errno;
  close(fd);
  errno = saved;
  return ok ? elapsed : -1;
}

void serve(int listen_fd) {
  for (;;) {
    int fd = accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      return;  // shutdown() of the listening socket ends the server
    }
    char byte;
    if (recv(fd, &byte, 1, 0) == 1) (void)!send(fd, &byte, 1, MSG_NOSIGNAL);
    close(fd);
  }
}

// Whether /proc/<pid>/net/tcp{,6} (the process's own namespace) lists a socket listening on `port`.
bool listening(pid_t pid, int port) {
  char hex[8];
  std::snprintf(hex, sizeof hex, ":%04X", port);
  for (const char* file : {"tcp", "tcp6"}) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/net/" + file);
    std::string sl, local, remote, state, rest;
    std::getline(in, rest);  // header
    while (in >> sl >> local >> remote >> state && std::getline(in, rest))
      if (state == "0A" && local.ends_with(hex)) return true;
  }
  return false;
}

// fork + setns + exec, stdout to `out_fd` (or /dev/null), stderr to /dev/null.
pid_t exec_in(const std::string& netns, std::vector<std::string> argv, int out_fd) {
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  pid_t pid = fork();
  if (pid != 0) return pid;
  int null_fd = open("/dev/null", O_RDWR);
  dup2(null_fd, 0);
  dup2(out_fd >= 0 ? out_fd : null_fd, 1);
  dup2(null_fd, 2);
  if (!enter_netns(netns).empty()) _exit(126);
  execvp(args[0], args.data());
  _exit(127);
}

}  // namespace

std::string make_outside(const std::string& netns_path,
                         const std::vector<std::string>& routed_subnets) {
  auto outside = NetNs::open(netns_path);
  if (!outside) return outside.error().what();
  auto host = netlink::Socket::open();
  if (!host) return host.error().what();
  if (auto r = netlink::create_veth(
          *host, {.host_name = "uplink0", .peer_name = "eth0", .peer_netns_fd = outside->fd()});
      !r)
    return r.error().what();
  auto out = netlink::Socket::open_in(*outside);
  if (!out) return out.error().what();
  const auto host_addr = *Prefix::parse(std::string(kHostAddr) + "/24");
  const auto outside_addr = *Prefix::parse(std::string(kOutsideAddr) + "/24");
  // Each end: its address, up, and on the outside the routes back through the host.
  for (auto* s : {&*host, &*out}) {
    const bool is_host = s == &*host;
    auto link = netlink::get_link(*s, is_host ? "uplink0" : "eth0");
    if (!link || !*link) return "veth end missing after create";
    const int index = (*link)->index;
    if (auto r = netlink::add_address(*s, index, is_host ? host_addr : outside_addr); !r)
      return r.error().what();
    if (auto r = netlink::set_up(*s, index); !r) return r.error().what();
    if (is_host) continue;
    for (const auto& subnet : routed_subnets) {
      auto dst = Prefix::parse(subnet);
      if (!dst) return "bad subnet " + subnet;
      netlink::RouteSpec route{.dst = *dst, .gw = IpAddr::parse(kHostAddr), .oif = index};
      if (auto r = netlink::add_route(*s, route); !r) return r.error().what();
    }
  }
  return "";
}

std::string tcp_round_trips(const std::string& server_netns, int listen_port,
                            const std::string& client_netns, const std::vector<Target>& targets,
                            int count, std::vector<std::vector<double>>& samples) {
  samples.assign(targets.size(), {});
  std::promise<std::string> ready;
  std::atomic<int> listen_fd{-1};
  std::thread server([&] {
    if (auto e = enter_netns(server_netns); !e.empty()) return ready.set_value(e);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in sa = ipv4("0.0.0.0", listen_port);
    if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 ||
        listen(fd, 128) != 0) {
      ready.set_value(sys_error("server socket"));
      if (fd >= 0) close(fd);
      return;
    }
    listen_fd = fd;
    ready.set_value("");
    serve(fd);
  });
  std::string error = ready.get_future().get();
  if (error.empty()) {
    std::thread client([&] {
      if (error = enter_netns(client_netns); !error.empty()) return;
      for (int i = 0; i < count && error.empty(); ++i) {
        for (size_t k = 0; k < targets.size(); ++k) {
          const size_t j = (k + size_t(i)) % targets.size();  // who goes first rotates
          double ms = round_trip(targets[j]);
          if (ms < 0) {
            error = sys_error("connection to " + targets[j].addr + ":" +
                              std::to_string(targets[j].port));
            break;
          }
          samples[j].push_back(ms);
        }
      }
    });
    client.join();
  }
  if (int fd = listen_fd.load(); fd >= 0) {
    shutdown(fd, SHUT_RDWR);  // wakes accept()
    server.join();
    close(fd);
  } else {
    server.join();
  }
  return error;
}

double iperf3_bits_per_second(const std::string& server_netns, int listen_port,
                              const std::string& client_netns, const Target& target, int seconds,
                              std::string& error) {
  const std::string port = std::to_string(listen_port);
  pid_t server = exec_in(server_netns, {"iperf3", "-s", "-1", "-p", port}, -1);
  if (server < 0) return error = sys_error("fork"), -1;
  for (int i = 0; i < 500 && !listening(server, listen_port); ++i) usleep(10000);
  int pipe_fd[2];
  if (pipe2(pipe_fd, O_CLOEXEC) != 0) return error = sys_error("pipe"), -1;
  pid_t client = exec_in(client_netns,
                         {"iperf3", "-c", target.addr, "-p", std::to_string(target.port), "-t",
                          std::to_string(seconds), "-J", "--connect-timeout", "2000"},
                         pipe_fd[1]);
  close(pipe_fd[1]);
  std::string out;
  char buf[16384];
  for (ssize_t n; (n = read(pipe_fd[0], buf, sizeof buf)) != 0;) {
    if (n > 0)
      out.append(buf, size_t(n));
    else if (errno != EINTR)
      break;
  }
  close(pipe_fd[0]);
  int status = 0;
  waitpid(client, &status, 0);
  // -1: the server ends after one test; if the client never reached it, end it here.
  for (int i = 0; i < 200 && waitpid(server, nullptr, WNOHANG) == 0; ++i) usleep(10000);
  if (waitpid(server, nullptr, WNOHANG) == 0) {
    kill(server, SIGKILL);
    waitpid(server, nullptr, 0);
  }
  auto j = nlohmann::json::parse(out, nullptr, false);
  if (j.is_discarded())
    return error = "iperf3 printed no JSON (exit status " + std::to_string(status) + ")", -1;
  if (j.contains("error")) return error = "iperf3: " + j["error"].get<std::string>(), -1;
  try {
    return j.at("end").at("sum_received").at("bits_per_second").get<double>();
  } catch (const nlohmann::json::exception& e) {
    return error = std::string("iperf3 JSON: ") + e.what(), -1;
  }
}

}  // namespace berth::bench
