#include "tests/netns/cluster_faults_helpers.h"

#include <dirent.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>
#include <future>
#include <set>
#include <sstream>

namespace berth::test::faults {

using nlohmann::json;

namespace {

std::vector<std::string> entries(const std::string& dir) {
  std::vector<std::string> out;
  DIR* d = opendir(dir.c_str());
  if (!d) return out;
  while (dirent* e = readdir(d)) {
    std::string name = e->d_name;
    if (name != "." && name != "..") out.push_back(name);
  }
  closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// "10.244.0.16-28" -> 10.244.0.16/28 (the form of block keys and record files).
std::optional<Prefix> block_of_name(std::string name) {
  auto dash = name.rfind('-');
  if (dash == std::string::npos) return std::nullopt;
  name[dash] = '/';
  return Prefix::parse(name);
}

}  // namespace

Node make_node(const std::string& name) { return {name, temp_dir()}; }

json ipam_conf(const Node& n, const std::vector<std::string>& endpoints, const std::string& cidr,
               int block, json store_extra) {
  json store{{"type", "etcd"}, {"endpoints", endpoints}, {"timeoutMs", 1500}};
  store.update(store_extra);
  return {{"type", "berth-ipam"}, {"store", store},     {"clusterCIDR", cidr},
          {"blockSize", block},   {"nodeName", n.name}, {"dataDir", n.data_dir}};
}

std::string conf(const json& ipam) {
  return json{{"cniVersion", "1.1.0"}, {"name", kNet}, {"type", "berth-bridge"}, {"ipam", ipam}}
      .dump();
}

PluginRun ipam(const std::string& cmd, const std::string& id, const std::string& config) {
  std::map<std::string, std::string> e = {{"CNI_COMMAND", cmd}};
  if (cmd == "ADD" || cmd == "DEL" || cmd == "CHECK") {
    e["CNI_CONTAINERID"] = id;
    e["CNI_IFNAME"] = "eth0";
    if (cmd != "DEL") e["CNI_NETNS"] = "/var/run/netns/berth-cluster-faults";
  }
  return run_plugin("berth-ipam", e, config);
}

std::vector<PluginRun> ipam_parallel(const std::string& cmd, const std::vector<std::string>& ids,
                                     const std::string& config) {
  std::vector<std::future<PluginRun>> runs;
  for (const auto& id : ids)
    runs.push_back(std::async(std::launch::async, [&, id] { return ipam(cmd, id, config); }));
  std::vector<PluginRun> out;
  for (auto& f : runs) out.push_back(f.get());
  return out;
}

std::vector<std::string> ids(const std::string& prefix, int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back(prefix + std::to_string(i));
  return out;
}

std::string addr(const PluginRun& r) {
  if (!r.json.is_object() || !r.json.contains("ips") || r.json["ips"].empty()) return "";
  auto a = r.json["ips"][0].value("address", "");
  return a.substr(0, a.find('/'));
}

int code(const PluginRun& r) { return r.json.is_object() ? r.json.value("code", 0) : 0; }
std::string msg(const PluginRun& r) { return r.json.is_object() ? r.json.value("msg", "") : ""; }

bool is_cni_error(const PluginRun& r) {
  return r.exit_code != 0 && r.json.is_object() && r.json.contains("cniVersion") && code(r) != 0 &&
         !msg(r).empty() && !r.json.contains("ips");
}

std::map<std::string, std::string> leases(const Node& n) {
  std::map<std::string, std::string> out;
  const std::string dir = n.data_dir + "/" + kNet;
  for (const auto& name : entries(dir)) {
    if (!IpAddr::parse(name)) continue;
    auto text = read(dir + "/" + name);
    out[name] = text.substr(0, text.find_first_of("\r\n"));  // host-local's "<id>\r\n<ifname>"
  }
  return out;
}

std::vector<std::string> index_entries(const Node& n) {
  return entries(n.data_dir + "/" + kNet + "/attachments");
}

std::vector<Prefix> recorded_blocks(const Node& n) {
  std::vector<Prefix> out;
  for (const auto& name : entries(n.data_dir + "/" + kNet + "/blocks"))
    if (auto p = block_of_name(name)) out.push_back(*p);
  return out;
}

std::vector<Claim> claims(const EtcdCluster& etcd) {
  // etcdctl prints each key on a line and its value on the next.
  std::istringstream in(etcd.ctl("get --prefix '" + kBlocks + "'"));
  std::vector<Claim> out;
  for (std::string key, value; std::getline(in, key) && std::getline(in, value);) {
    auto j = json::parse(value, nullptr, false);
    Claim c{key, {}, j.is_object() ? j.value("node", "") : ""};
    auto cidr = Prefix::parse(j.is_object() ? j.value("cidr", "") : "");
    INFO("claim " << key << " = " << value);
    CHECK(cidr.has_value());
    if (cidr) c.cidr = *cidr;
    out.push_back(c);
  }
  return out;
}

void check_consistent(const EtcdCluster& etcd, const std::vector<Node>& nodes) {
  auto all = claims(etcd);
  for (size_t i = 0; i < all.size(); ++i) {
    INFO("claim " << all[i].key << " of " << all[i].node);
    CHECK(all[i].key == kBlocks + all[i].cidr.addr.str() + "-" + std::to_string(all[i].cidr.len));
    for (size_t j = i + 1; j < all.size(); ++j) {
      INFO("and claim " << all[j].key << " of " << all[j].node);
      CHECK_FALSE(all[i].cidr.overlaps(all[j].cidr));
    }
  }
  std::set<std::string> leased;
  for (const auto& n : nodes) {
    auto mine = recorded_blocks(n);
    for (const auto& b : mine) {
      INFO("node " << n.name << " records block " << b.str());
      auto it = std::find_if(all.begin(), all.end(), [&](const Claim& c) { return c.cidr == b; });
      REQUIRE(it != all.end());
      CHECK(it->node == n.name);
    }
    for (const auto& [ip, id] : leases(n)) {
      INFO("node " << n.name << " leases " << ip << " to " << id);
      CHECK(leased.insert(ip).second);
      auto a = IpAddr::parse(ip);
      CHECK((a && std::any_of(mine.begin(), mine.end(),
                              [&](const Prefix& b) { return b.contains(*a); })));
    }
  }
}

}  // namespace berth::test::faults
