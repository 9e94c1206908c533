// berth-node: the per-node agent of a berth cluster (README: "Running berth on a cluster").
#include <signal.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "core/log.h"
#include "node/agent.h"
#include "node/metrics.h"

namespace {

using berth::Result;
using nlohmann::json;

struct Flags {
  std::string config_file, name, ip, network, mode, metrics, endpoints, prefix, ca, cert, key, cidrs, data_dir;
  int ttl = 0, timeout_ms = 0, grace = 0, empty_grace = -1;
  int64_t vni = -1, vxlan_port = -1;
};

Result<berth::Prefix> parse_cidr(const std::string& text, const std::string& what) {
  auto p = berth::Prefix::parse(text);
  if (!p || !p->is_network())
    return berth::fail(berth::Code::kInvalidConfig, "invalid " + what + " `" + text + "`",
                       "a network in CIDR notation, e.g. 10.244.0.0/16");
  return *p;
}

// The config file's settings first, then each flag given on the command line over them.
Result<berth::node::NodeConfig> settings(const Flags& f) {
  using berth::Code;
  berth::node::NodeConfig c;
  json etcd = json::object();
  if (!f.config_file.empty()) {
    std::ifstream in(f.config_file);
    if (!in) return berth::fail(Code::kInvalidConfig, "cannot read --config `" + f.config_file + "`");
    std::stringstream ss;
    ss << in.rdbuf();
    auto j = json::parse(ss.str(), nullptr, false);
    if (!j.is_object()) return berth::fail(Code::kInvalidConfig, "--config `" + f.config_file + "` is not a JSON object");
    c.name = j.value("nodeName", "");
    if (auto ip = berth::IpAddr::parse(j.value("nodeIP", ""))) c.address = *ip;
    c.network = j.value("network", "");
    c.mode = j.value("mode", c.mode);
    c.vxlan_vni = j.value("vxlanVNI", c.vxlan_vni);
    c.vxlan_port = j.value("vxlanPort", c.vxlan_port);
    c.lease_ttl = j.value("leaseTTL", c.lease_ttl);
    c.dead_node_grace = j.value("deadNodeGrace", c.dead_node_grace);
    c.metrics_address = j.value("metricsAddress", "");
    c.ipam_data_dir = j.value("ipamDataDir", c.ipam_data_dir);
    c.empty_block_grace = j.value("emptyBlockGrace", c.empty_block_grace);
    if (j.contains("etcd")) etcd = j["etcd"];
    if (j.contains("clusterCIDR")) {
      const json& v = j["clusterCIDR"];
      for (const auto& e : v.is_array() ? v : json::array({v}))
        c.cluster_cidrs.push_back(BERTH_TRY(parse_cidr(e.is_string() ? e.get<std::string>() : e.dump(), "clusterCIDR")));
    }
  }
  if (!f.name.empty()) c.name = f.name;
  if (c.name.empty()) {
    char host[256] = {};
    gethostname(host, sizeof host - 1);
    c.name = host;
  }
  if (!f.ip.empty()) {
    auto ip = berth::IpAddr::parse(f.ip);
    if (!ip) return berth::fail(Code::kInvalidConfig, "invalid --node-ip `" + f.ip + "`", "must be an IP address");
    c.address = *ip;
  }
  if (!f.network.empty()) c.network = f.network;
  if (!f.cidrs.empty()) {
    c.cluster_cidrs.clear();
    std::stringstream ss(f.cidrs);
    for (std::string e; std::getline(ss, e, ',');)
      if (!e.empty()) c.cluster_cidrs.push_back(BERTH_TRY(parse_cidr(e, "--cluster-cidr")));
  }
  if (!f.mode.empty()) c.mode = f.mode;
  if (f.vni >= 0) {
    if (f.vni > 0xffffff) return berth::fail(Code::kInvalidConfig, "invalid --vxlan-vni `" + std::to_string(f.vni) + "`", "a VXLAN network identifier is 1 to 16777215");
    c.vxlan_vni = uint32_t(f.vni);
  }
  if (f.vxlan_port >= 0) {
    if (f.vxlan_port > 65535) return berth::fail(Code::kInvalidConfig, "invalid --vxlan-port `" + std::to_string(f.vxlan_port) + "`", "must be 1 to 65535");
    c.vxlan_port = uint16_t(f.vxlan_port);
  }
  if (f.ttl) c.lease_ttl = f.ttl;
  if (f.grace) c.dead_node_grace = f.grace;
  if (f.empty_grace != -1) c.empty_block_grace = f.empty_grace;
  if (!f.metrics.empty()) c.metrics_address = f.metrics;
  if (!f.data_dir.empty()) c.ipam_data_dir = f.data_dir;
  if (!etcd.is_object()) return berth::fail(Code::kInvalidConfig, "the config's `etcd` must be an object");
  etcd["type"] = "etcd";
  if (!f.endpoints.empty()) {
    etcd["endpoints"] = json::array();
    std::stringstream ss(f.endpoints);
    for (std::string e; std::getline(ss, e, ',');)
      if (!e.empty()) etcd["endpoints"].push_back(e);
  }
  if (!f.prefix.empty()) etcd["prefix"] = f.prefix;
  if (f.timeout_ms) etcd["timeoutMs"] = f.timeout_ms;
  if (!f.ca.empty()) etcd["tls"]["ca"] = f.ca;
  if (!f.cert.empty()) etcd["tls"]["cert"] = f.cert;
  if (!f.key.empty()) etcd["tls"]["key"] = f.key;
  c.etcd = BERTH_TRY(berth::etcd::parse_config(etcd, "etcd"));
  BERTH_TRY(berth::node::validate(c));
  return c;
}

std::string render(const berth::node::Agent& a) {
  const auto& k = a.counters();
  auto [trips, latency_us] = a.etcd_round_trips();
  std::string out;
  auto head = [&](const char* name, const char* type, const char* help) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
  };
  auto metric = [&](const char* name, const char* type, const char* help, uint64_t v) {
    head(name, type, help);
    out += std::string(name) + " " + std::to_string(v) + "\n";
  };
  metric("berth_node_routes", "gauge", "Routes to other nodes' blocks programmed now.", k.routes);
  metric("berth_node_route_adds_total", "counter", "Routes programmed.", k.route_adds);
  metric("berth_node_route_withdrawals_total", "counter", "Routes withdrawn.", k.route_withdrawals);
  metric("berth_node_allocations_total", "counter", "Leases of this node written to etcd.", k.allocations);
  metric("berth_node_releases_total", "counter", "Leases of this node removed from etcd.", k.releases);
  metric("berth_node_leases", "gauge", "Leases of this node mirrored in etcd now.", k.leases);
  metric("berth_node_blocks_owned", "gauge", "Blocks this node owns.", k.blocks_owned);
  metric("berth_node_blocks_freed_total", "counter", "Blocks of gone nodes freed by this agent.", k.blocks_freed);
  metric("berth_node_blocks_forgotten_total", "counter",
         "Blocks dropped from this node's cache because etcd no longer says they are its own.", k.blocks_forgotten);
  metric("berth_node_blocks_returned_total", "counter", "Empty blocks this node gave back.", k.blocks_returned);
  metric("berth_node_nodes", "gauge", "Registered nodes, this one included.", k.nodes);
  metric("berth_node_resyncs_total", "counter", "Full reads of the cluster's state.", k.resyncs);
  metric("berth_node_etcd_round_trips_total", "counter", "etcd requests answered.", trips);
  head("berth_node_etcd_latency_seconds_sum", "counter", "Total time of the answered etcd requests.");
  out += fmt::format("berth_node_etcd_latency_seconds_sum {:.6f}\n", latency_us / 1e6);
  head("berth_node_errors_total", "counter", "Errors by kind.");
  for (auto [kind, n] : {std::pair{"etcd", k.errors_etcd.load()}, std::pair{"netlink", k.errors_netlink.load()},
                         std::pair{"lease", k.errors_lease.load()}})
    out += fmt::format("berth_node_errors_total{{kind=\"{}\"}} {}\n", kind, n);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"berth-node: registers this node in etcd and routes the other nodes' pod blocks (host-gw or vxlan)."};
  Flags f;
  app.add_option("--config", f.config_file, "JSON file with the settings below (flags win)");
  app.add_option("--node-name", f.name, "this node's name, as berth-ipam's nodeName (default: hostname)");
  app.add_option("--node-ip", f.ip, "the address other nodes route this node's pods through");
  app.add_option("--network", f.network, "the CNI network whose blocks are routed");
  app.add_option("--mode", f.mode,
                 "host-gw (nodes share an L2 segment, default) or vxlan (an overlay over any L3 path; "
                 "host-gw towards nodes that do not run vxlan)");
  app.add_option("--vxlan-vni", f.vni, "VXLAN network identifier, the same on every node (default 1)");
  app.add_option("--vxlan-port", f.vxlan_port, "VXLAN UDP port, the same on every node (default 4789)");
  app.add_option("--cluster-cidr", f.cidrs,
                 "the pods' CIDRs, comma-separated: what leaves them is masqueraded, what stays in "
                 "them never is (default: no masquerade; the bridge's ipMasq then stays off)");
  app.add_option("--ipam-data-dir", f.data_dir,
                 "berth-ipam's dataDir on this node, whose leases are mirrored into etcd (default /var/lib/cni/networks)");
  app.add_option("--lease-ttl", f.ttl, "seconds without keep-alive after which the node counts as gone (default 10)");
  app.add_option("--dead-node-grace", f.grace,
                 "seconds a node may stay gone before its blocks are freed for others (default 300)");
  app.add_option("--empty-block-grace", f.empty_grace,
                 "seconds a block of this node may stay without a lease before it goes back to the cluster; "
                 "the node's last block stays (default 600; 0: keep every block)");
  app.add_option("--metrics-address", f.metrics, "host:port to serve Prometheus /metrics on (default: none)");
  app.add_option("--etcd-endpoints", f.endpoints, "etcd client URLs, comma-separated");
  app.add_option("--etcd-prefix", f.prefix, "key prefix (default /berth)");
  app.add_option("--etcd-timeout-ms", f.timeout_ms, "one etcd call, retries included (default 2000)");
  app.add_option("--etcd-ca", f.ca, "CA certificate (PEM) that signed etcd's");
  app.add_option("--etcd-cert", f.cert, "client certificate (PEM)");
  app.add_option("--etcd-key", f.key, "client key (PEM)");
  CLI11_PARSE(app, argc, argv);
  berth::init_logging("berth-node");
  // An agent's log is read by people: say what it does unless told otherwise (the
  // plugins stay quiet by default, their stderr goes to the runtime).
  if (const char* l = std::getenv("BERTH_LOG_LEVEL"); !l || !*l) spdlog::set_level(spdlog::level::info);

  auto cfg = settings(f);
  if (!cfg) {
    std::fprintf(stderr, "berth-node: %s\n", cfg.error().what().c_str());
    return 2;
  }
  // SIGTERM and SIGINT end the agent: taken by one thread, blocked in all the others.
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGTERM);
  sigaddset(&sigs, SIGINT);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
  std::atomic<bool> stop{false};
  std::thread waiter([&] {
    int sig = 0;
    sigwait(&sigs, &sig);
    spdlog::info("signal {}: leaving", sig);
    stop = true;
  });
  waiter.detach();

  berth::node::Agent agent(*cfg, stop);
  std::thread metrics;
  if (!cfg->metrics_address.empty()) {
    auto server = berth::node::MetricsServer::bind(cfg->metrics_address);
    if (!server) {
      std::fprintf(stderr, "berth-node: %s\n", server.error().what().c_str());
      return 2;
    }
    metrics = std::thread([&agent, &stop, s = std::move(*server)]() mutable { s.serve([&] { return render(agent); }, stop); });
  }
  auto r = agent.run();
  stop = true;
  if (metrics.joinable()) metrics.join();
  if (!r) {
    spdlog::error("{}", r.error().what());
    return 1;
  }
  return 0;
}
