#include "ipam/commands.h"

#include <spdlog/spdlog.h>

#include "core/ipam/disk_store.h"
#include "core/ipam/memory_store.h"
#include "ipam/allocator.h"
#include "ipam/cluster.h"
#include "ipam/config.h"

namespace berth::ipam {
namespace {

Attachment attachment_of(const cni::Request& req) {
  return Attachment{req.env.container_id, req.env.ifname};
}

}  // namespace

Result<cni::CniResult> cmd_add(const cni::Request& req) {
  auto cfg = BERTH_TRY(parse_config(req.config));
  auto requested = BERTH_TRY(requested_ips(req.config, req.env.args));
  const auto a = attachment_of(req);
  cni::CniResult r;
  if (cfg.cluster) {
    r.ips = BERTH_TRY(cluster_allocate(*cfg.cluster, cfg.data_dir, req.name, a, requested));
  } else {
    auto store = BERTH_TRY(DiskStore::open(cfg.data_dir, req.name, /*create=*/true));
    r.ips = BERTH_TRY(allocate(*store, cfg.sets, a, requested));
  }
  r.routes = cfg.routes;
  r.dns = cfg.dns;
  for (const auto& ip : r.ips)
    spdlog::info("network {}: {} to {}/{}", req.name, ip.address.str(), a.container_id, a.ifname);
  return r;
}

Result<> cmd_del(const cni::Request& req) {
  // Only the store location is needed to release; the ranges may even have become
  // invalid since the ADD, and DEL must still succeed.
  auto data_dir = BERTH_TRY(parse_data_dir(req.config));
  auto store = BERTH_TRY(DiskStore::open(data_dir, req.name, /*create=*/false));
  if (!store) return {};  // nothing was ever leased on this network
  size_t n = BERTH_TRY(release(*store, attachment_of(req)));
  spdlog::info("network {}: released {} address(es) of {}/{}", req.name, n, req.env.container_id,
               req.env.ifname);
  return {};
}

Result<> cmd_check(const cni::Request& req) {
  auto cfg = BERTH_TRY(parse_config(req.config));
  if (cfg.cluster) return cluster_check(*cfg.cluster, cfg.data_dir, req.name, attachment_of(req));
  auto store = BERTH_TRY(DiskStore::open(cfg.data_dir, req.name, /*create=*/false));
  if (!store)
    return fail(Code::kCheckFailed,
                "container " + req.env.container_id + " ifname " + req.env.ifname +
                    " holds no address",
                "network " + req.name + " has no lease directory under " + cfg.data_dir);
  return check(*store, cfg.sets, attachment_of(req));
}

Result<> cmd_gc(const cni::Request& req) {
  auto data_dir = BERTH_TRY(parse_data_dir(req.config));
  auto valid = BERTH_TRY(valid_attachments(req.config));
  auto store = BERTH_TRY(DiskStore::open(data_dir, req.name, /*create=*/false));
  if (!store) return {};
  size_t n = BERTH_TRY(collect_garbage(*store, valid));
  spdlog::info("network {}: gc released {} stale attachment(s)", req.name, n);
  return {};
}

Result<> cmd_status(const cni::Request& req) {
  auto cfg = BERTH_TRY(parse_config(req.config));
  if (cfg.cluster) return cluster_status(*cfg.cluster, cfg.data_dir, req.name);
  auto disk = BERTH_TRY(DiskStore::open(cfg.data_dir, req.name, /*create=*/false));
  if (disk) return status(*disk, cfg.sets);
  MemoryStore empty;  // no directory yet: nothing leased, but a set may still have no room
  return status(empty, cfg.sets);
}

}  // namespace berth::ipam
