// Shared by the port publishing and isolation netns tests: an "outside" namespace routed
// to the test host, TCP/UDP echo servers that name the peer, and clients with short
// timeouts so that every blocked path fails within about a second.
#pragma once

#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "tests/netns/bridge_helpers.h"

namespace berth::test {

// The test host's addresses toward the outside (on link vout) and the outside's own.
inline const std::string kHost4 = "198.18.0.1", kOutside4 = "198.18.0.2";
inline const std::string kHost6 = "fd00:18::1", kOutside6 = "fd00:18::2";

// An "outside" namespace on 198.18.0.0/24 and fd00:18::/64 behind the host's link vout,
// with routes back to `ctr_subnets` (so unmasqueraded traffic shows the container's own
// source instead of failing).
inline std::string make_outside(std::initializer_list<std::string> ctr_subnets) {
  auto out = make_netns("outside");
  sh("ip link add vout type veth peer name eth0 netns " + out);
  sh("ip addr add 198.18.0.1/24 dev vout && ip addr add fd00:18::1/64 dev vout nodad && ip link set vout up");
  sh_in(out, "ip addr add 198.18.0.2/24 dev eth0 && ip addr add fd00:18::2/64 dev eth0 nodad && ip link set eth0 up");
  for (const auto& s : ctr_subnets)
    sh_in(out, "ip route add " + s + " via " + (s.find(':') != std::string::npos ? kHost6 : kHost4));
  return out;
}

inline std::string write_script(const std::string& name, const std::string& text) {
  std::string file = temp_dir() + "/" + name;
  FILE* f = fopen(file.c_str(), "w");
  fputs(text.c_str(), f);
  fclose(f);
  return file;
}

// Starts a TCP or UDP server on `bind`:`port` (default: every address of both families)
// inside `netns` ("" = the test host) that answers every connection or datagram with
// "<reply> <peer address>", for 30 s.
// Returns once it listens.
inline void serve(const std::string& netns, const std::string& proto, int port, const std::string& reply,
                  const std::string& bind = "::") {
  static const std::string script = write_script(
      "serve.py",
      "import socket,sys,time\n"
      "udp=sys.argv[1]=='udp'\n"
      "v6=':' in sys.argv[4]\n"
      "s=socket.socket(socket.AF_INET6 if v6 else socket.AF_INET,socket.SOCK_DGRAM if udp else socket.SOCK_STREAM)\n"
      "if v6: s.setsockopt(socket.IPPROTO_IPV6,socket.IPV6_V6ONLY,0)\n"
      "s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\n"
      "s.bind((sys.argv[4],int(sys.argv[2])))\n"
      "if not udp: s.listen(16)\n"
      "s.settimeout(1);end=time.time()+30\n"
      "def peer(a): return a[0][7:] if a[0].startswith('::ffff:') else a[0]\n"
      "while time.time()<end:\n"
      "  try:\n"
      "    if udp:\n"
      "      d,a=s.recvfrom(100);s.sendto((sys.argv[3]+' '+peer(a)).encode(),a)\n"
      "    else:\n"
      "      c,a=s.accept();c.sendall((sys.argv[3]+' '+peer(a)).encode());c.close()\n"
      "  except OSError: pass\n");
  std::string enter = netns.empty() ? "" : "nsenter --net=" + netns + " ";
  sh(enter + "python3 " + script + " " + proto + " " + std::to_string(port) + " " + reply + " " + bind +
     " >/dev/null 2>&1 &");
  std::string opt = proto == "udp" ? "-Hunl" : "-Htln";
  for (int i = 0; i < 60; ++i) {
    std::string cmd = "ss " + opt + " sport = :" + std::to_string(port);
    if (!(netns.empty() ? sh(cmd) : sh_in(netns, cmd)).empty()) return;
    usleep(50000);
  }
}

// Connects (TCP) or sends one datagram (UDP) from `netns` ("" = the test host) and returns
// the answer, "" when none came within 1.5 s.
inline std::string request(const std::string& netns, const std::string& proto, const std::string& host, int port) {
  static const std::string script = write_script(
      "request.py",
      "import socket,sys\n"
      "udp=sys.argv[1]=='udp'\n"
      "fam=socket.AF_INET6 if ':' in sys.argv[2] else socket.AF_INET\n"
      "try:\n"
      "  s=socket.socket(fam,socket.SOCK_DGRAM if udp else socket.SOCK_STREAM);s.settimeout(1.5)\n"
      "  s.connect((sys.argv[2],int(sys.argv[3])))\n"
      "  if udp: s.send(b'x')\n"
      "  print(s.recv(200).decode())\n"
      "except OSError: pass\n");
  std::string enter = netns.empty() ? "" : "nsenter --net=" + netns + " ";
  auto out = sh(enter + "timeout 3 python3 " + script + " " + proto + " " + host + " " + std::to_string(port) +
                " 2>/dev/null");
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

// The container's first address of a family from an ADD result, without the prefix.
inline std::string result_addr(const PluginRun& r, bool v6 = false) {
  for (const auto& ip : r.json["ips"]) {
    auto a = ip["address"].get<std::string>();
    if ((a.find(':') != std::string::npos) == v6) return a.substr(0, a.find('/'));
  }
  return "";
}

inline json mapping(int host_port, int ctr_port, const std::string& proto = "tcp", const std::string& host_ip = "") {
  json m = {{"hostPort", host_port}, {"containerPort", ctr_port}, {"protocol", proto}};
  if (!host_ip.empty()) m["hostIP"] = host_ip;
  return m;
}

// `conf` with runtimeConfig.portMappings as a runtime passes it.
inline json with_ports(json conf, const std::vector<json>& mappings) {
  conf["capabilities"] = {{"portMappings", true}};
  conf["runtimeConfig"] = {{"portMappings", json(mappings)}};
  return conf;
}

inline PluginRun gc(const json& conf, const json& valid) {
  auto c = conf;
  c.erase("runtimeConfig");
  c["cniVersion"] = "1.1.0";
  c["cni.dev/valid-attachments"] = valid;
  return run_plugin("berth-bridge", {{"CNI_COMMAND", "GC"}, {"CNI_PATH", bin_dir()}}, c.dump());
}

}  // namespace berth::test
