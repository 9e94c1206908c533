#include "ipam/cluster_config.h"

#include <unistd.h>

#include "core/cni/types.h"

namespace berth::ipam {
namespace {

using nlohmann::json;

std::unexpected<Error> bad(const std::string& key, const std::string& value, std::string why) {
  return fail(Code::kInvalidConfig, "invalid " + key + " `" + value + "`", std::move(why));
}

Result<std::string> node_name(const json& ipam) {
  if (const json* n = cni::find_ci(ipam, "nodeName"); n && !n->is_null()) {
    if (!n->is_string()) return bad("ipam.nodeName", n->dump(), "must be a string");
    auto name = n->get<std::string>();
    BERTH_TRY(validate_node_name(name, "ipam.nodeName"));
    return name;
  }
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0 || !host[0])
    return fail(Code::kInvalidConfig, "missing ipam.nodeName", "and the hostname cannot be read");
  BERTH_TRY(validate_node_name(host, "the hostname (set ipam.nodeName)"));
  return std::string(host);
}

}  // namespace

Result<> validate_node_name(const std::string& name, const std::string& key) {
  if (name.empty() || name.size() > 253 ||
      name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") !=
          std::string::npos)
    return bad(key, name, "must be 1 to 253 letters, digits, '.', '_' or '-'");
  return {};
}

Result<std::optional<ClusterConfig>> parse_cluster(const json& request, const json& ipam) {
  const json* store = cni::find_ci(ipam, "store");
  if (!store || store->is_null()) return std::optional<ClusterConfig>();
  if (!store->is_object()) return bad("ipam.store", store->dump(), "must be an object with a `type`");
  const json* type = cni::find_ci(*store, "type");
  const std::string t = type && type->is_string() ? type->get<std::string>() : "";
  if (t == "disk") return std::optional<ClusterConfig>();
  if (t != "etcd")
    return bad("ipam.store.type", type ? type->dump() : "", "known store types: disk (the default), etcd");

  for (const char* key : {"ranges", "subnet"})
    if (const json* r = cni::find_ci(ipam, key); r && !r->is_null() && *r != "")
      return fail(Code::kInvalidConfig, std::string("ipam.") + key + " cannot be used with store etcd",
                  "the cluster store hands out the blocks of ipam.clusterCIDR; remove ipam." + std::string(key));
  if (const json* rc = cni::find_ci(request, "runtimeConfig"); rc && rc->is_object())
    if (const json* r = cni::find_ci(*rc, "ipRanges"); r && r->is_array() && !r->empty())
      return fail(Code::kInvalidConfig, "runtimeConfig.ipRanges cannot be used with store etcd",
                  "the cluster store hands out the blocks of ipam.clusterCIDR");

  auto etcd = BERTH_TRY(etcd::parse_config(*store, "ipam.store"));
  const json* c = cni::find_ci(ipam, "clusterCIDR");
  if (!c || !c->is_string())
    return fail(Code::kInvalidConfig, "missing ipam.clusterCIDR",
                "store etcd needs the cluster's pod CIDR, e.g. \"10.244.0.0/16\"");
  auto cidr = Prefix::parse(c->get<std::string>());
  if (!cidr) return bad("ipam.clusterCIDR", c->get<std::string>(), "is not a CIDR");
  int block_len = cidr->addr.is_v4() ? 26 : 122;
  if (const json* b = cni::find_ci(ipam, "blockSize"); b && !b->is_null()) {
    // Range-checked as int64 before narrowing: get<int>() of 4294967322 is 26, which
    // would accept a nonsense size as /26 (a huge unsigned reads as negative here).
    if (!b->is_number_integer() || b->get<int64_t>() < 0 || b->get<int64_t>() > 128)
      return bad("ipam.blockSize", b->dump(), "must be a prefix length");
    block_len = static_cast<int>(b->get<int64_t>());
  }
  auto plan = BERTH_TRY(BlockPlan::make(*cidr, block_len, "ipam.clusterCIDR"));
  auto node = BERTH_TRY(node_name(ipam));
  return std::optional<ClusterConfig>(ClusterConfig{std::move(etcd), plan, std::move(node)});
}

}  // namespace berth::ipam
