#include "runtime/network/teardown.h"

#include <filesystem>

#include "core/netlink/link.h"
#include "runtime/network/engine.h"

namespace berth::runtime::net {
namespace {

namespace fs = std::filesystem;

Result<> delete_bridge(const std::string& name) {
  auto sock = BERTH_TRY(netlink::Socket::open());
  auto link = BERTH_TRY(netlink::get_link(sock, name));
  if (!link) return {};
  // Never delete something that is not ours to delete: only a bridge of that name.
  if (link->kind != "bridge")
    return fail(Code::kInvalidConfig, "`" + name + "` is not a bridge; left in place");
  BERTH_TRY(netlink::delete_link(sock, name));
  return {};
}

// berth-ipam keeps <dataDir>/<network>/ with a lock file, last_reserved_ip.<n> and an
// attachments/ index next to the leases. Once GC released every lease only those remain
// (the index empty); anything else stays put.
// The conflist's ipam.dataDir says where; berth-ipam's default otherwise.
Result<> remove_ipam_dir(const StoredNetwork& net) {
  std::string data_dir = "/var/lib/cni/networks";
  for (const auto& entry : net.list.plugins)
    if (auto ipam = entry.find("ipam"); ipam != entry.end() && ipam->is_object())
      if (auto d = ipam->find("dataDir");
          d != ipam->end() && d->is_string() && !d->get<std::string>().empty())
        data_dir = *d;
  fs::path dir = fs::path(data_dir) / net.info.name;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return {};
  std::vector<fs::path> bookkeeping;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::string name = it->path().filename().string();
    bool index =
        name == "attachments" && fs::is_empty(it->path(), ec);  // berth-ipam's per-attachment index
    if (!index && name != "lock" && name.rfind("last_reserved_ip.", 0) != 0)
      return {};  // a lease is left
    bookkeeping.push_back(it->path());
  }
  for (const auto& p : bookkeeping) fs::remove(p, ec);
  fs::remove(dir, ec);
  if (ec) return fail(Code::kIo, "remove `" + dir.string() + "`: " + ec.message());
  return {};
}

}  // namespace

Result<> teardown_network(const Paths& paths, const StoredNetwork& net) {
  std::vector<Error> errors;
  Engine engine(paths.plugin_dirs, paths.cache_dir);
  if (auto r = engine.gc(net.list, nlohmann::json::array()); !r) errors.push_back(r.error());
  if (auto r = delete_bridge(net.info.bridge); !r)
    errors.push_back(r.error().wrap("delete bridge `" + net.info.bridge + "`"));
  if (auto r = remove_ipam_dir(net); !r) errors.push_back(r.error());
  return berth::join_errors(errors, "clean up network `" + net.info.name + "`");
}

}  // namespace berth::runtime::net
