// create_container: everything `create` and `run` decide before anything runs.
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>

#include "runtime/container/clock.h"
#include "runtime/container/id.h"
#include "runtime/container/lifecycle.h"
#include "runtime/container/parse.h"
#include "runtime/container/userns_config.h"
#include "runtime/container/volumes.h"
#include "runtime/rootfs/mounts.h"
#include "runtime/rootfs/tree.h"

namespace berth::runtime {
namespace {

// Image env first, then the user's; a later KEY= replaces an earlier one in place.
std::vector<std::string> merge_env(const std::vector<std::string>& base,
                                   const std::vector<std::string>& over) {
  std::vector<std::string> out = base;
  for (const auto& e : over) {
    std::string key = e.substr(0, e.find('='));
    auto it = std::find_if(out.begin(), out.end(), [&](const std::string& o) {
      return o.compare(0, key.size() + 1, key + "=") == 0 || o == key;
    });
    if (it != out.end())
      *it = e;
    else
      out.push_back(e);
  }
  return out;
}

Result<> check_network(Runtime& rt, ContainerConfig& cfg) {
  std::string& mode = cfg.network;
  if (mode.empty() || mode == "default") mode = "bridge";
  if (mode == "host") {
    cfg.ports.clear();  // as Docker: published ports mean nothing without a namespace
    return {};
  }
  if (mode.starts_with("container:")) {
    if (!cfg.ports.empty() || !cfg.ip.empty() || !cfg.mac.empty())
      return fail(Code::kInvalidConfig,
                  "conflicting options: -p, --ip and --mac-address cannot be used "
                  "with network mode `container:`");
    std::string other = BERTH_TRY(rt.store.resolve(mode.substr(10)));
    mode = "container:" + other;
    return {};
  }
  if (mode == "none" || mode == "bridge") {
    if (mode == "none" && !cfg.ports.empty())
      return fail(Code::kInvalidConfig,
                  "conflicting options: -p cannot be used with network mode `none`");
    return {};
  }
  auto info = rt.networks().inspect(mode);
  if (!info)
    return fail(Code::kInvalidConfig, "network `" + mode + "` not found", info.error().what());
  return {};
}

// Under the store-wide lock: the name is checked and taken atomically.
Result<std::string> pick_name(const std::string& wanted, const std::vector<Container>& all) {
  auto taken = [&](const std::string& n) -> const Container* {
    for (const auto& c : all)
      if (c.name == n) return &c;
    return nullptr;
  };
  if (!wanted.empty()) {
    std::string n = wanted[0] == '/' ? wanted.substr(1) : wanted;
    if (!valid_name(n))
      return fail(Code::kInvalidConfig, "invalid container name `" + n + "`",
                  "only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed, at least two characters");
    if (const Container* c = taken(n))
      return fail(
          Code::kInvalidConfig,
          "the container name `" + n + "` is already in use by container `" + short_id(c->id) + "`",
          "remove (or rename) that container to reuse the name");
    return n;
  }
  std::string id = new_id();
  uint64_t salt = std::stoull(id.substr(0, 12), nullptr, 16);
  for (int i = 0; i < 1000; ++i) {
    std::string n = random_name(salt + uint64_t(i) * 7919);
    if (i >= 400) n += "_" + std::to_string(i);
    if (!taken(n)) return n;
  }
  return fail(Code::kInternal, "no free container name");
}

}  // namespace

Result<Container> create_container(Runtime& rt, CreateRequest req) {
  ContainerConfig& cfg = req.config;
  ImageRef ref = BERTH_TRY(parse_image_ref(cfg.image));
  Image img = BERTH_TRY(rt.images.get(ref));
  BERTH_TRY(check_overlay_path(img.rootfs()));
  cfg.image = ref.str();
  if (cfg.cmd.empty()) cfg.cmd = img.config.cmd;
  if (cfg.cmd.empty())
    return fail(Code::kInvalidConfig, "no command specified",
                "the image `" + cfg.image + "` has no default command");
  cfg.env = merge_env(img.config.env, cfg.env);
  if (cfg.workdir.empty()) cfg.workdir = img.config.workdir;
  if (!cfg.workdir.empty() && cfg.workdir[0] != '/')
    return fail(Code::kInvalidConfig,
                "the working directory `" + cfg.workdir + "` is not an absolute path");
  for (const auto& e : img.config.exposed)
    if (std::find(cfg.exposed.begin(), cfg.exposed.end(), e) == cfg.exposed.end())
      cfg.exposed.push_back(e);
  if (req.publish_all) {
    for (const auto& e : cfg.exposed) {
      auto slash = e.find('/');
      net::PortMapping p;
      p.container_port = uint16_t(std::stoi(e.substr(0, slash)));
      p.protocol = slash == std::string::npos ? "tcp" : e.substr(slash + 1);
      bool have = std::any_of(cfg.ports.begin(), cfg.ports.end(), [&](const net::PortMapping& q) {
        return q.container_port == p.container_port && q.protocol == p.protocol;
      });
      if (!have) cfg.ports.push_back(p);
    }
  }
  if (cfg.restart.kind != RestartPolicy::Kind::kNo && cfg.auto_remove)
    return fail(Code::kInvalidConfig, "conflicting options: --restart and --rm");
  BERTH_TRY(check_network(rt, cfg));

  BERTH_TRY(rt.store.init());
  auto names = BERTH_TRY(rt.store.lock_names());
  auto all = BERTH_TRY(rt.store.list());
  Container c;
  c.name = BERTH_TRY(pick_name(req.name, all));
  c.id = new_id();
  c.created = now_rfc3339();
  c.image_dir = img.dir;
  BERTH_TRY(allocate_userns(cfg, all));  // under the name lock: no two take one range
  c.config = cfg;
  std::string dir = rt.store.dir(c.id);
  BERTH_TRY(check_overlay_path(dir));
  // 0700: the record, the log and the overlay's layers are berth's alone.
  if (::mkdir(dir.c_str(), 0700) != 0) return fail_errno(Code::kIo, "create `" + dir + "`", errno);
  if (auto r = rt.store.save(c); !r) {
    (void)remove_tree(dir);
    return std::unexpected(r.error());
  }
  // Named volumes exist from `create` on, as in Docker (`volume ls` shows them), made
  // under the name lock like `volume create` (see volumes.h for the rule).
  for (const auto& v : cfg.volumes) {
    if (v.source[0] == '/') continue;
    if (auto r = ensure_volume(rt.store.root(), v.source); !r) {
      (void)remove_tree(dir);
      return std::unexpected(r.error());
    }
  }
  return c;
}

}  // namespace berth::runtime
