#include <string_view>

#include "core/cni/args.h"
#include "core/cni/names.h"
#include "plugins/container/container.h"

namespace berth::container {
namespace {

constexpr std::string_view kArgContainer = "BERTH_CONTAINER";
constexpr std::string_view kArgTargetNetns = "BERTH_TARGET_NETNS";

// Takes berth-container's own keys out of CNI_ARGS, so the common parser (which rejects
// unknown keys without IgnoreUnknown) sees only the rest.
std::string take_own_args(std::string_view text, std::string* container, std::string* netns) {
  std::string rest;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find(';', pos);
    if (end == std::string_view::npos) end = text.size();
    auto piece = text.substr(pos, end - pos);
    pos = end + 1;
    auto eq = piece.find('=');
    auto key = piece.substr(0, eq);
    if (eq != std::string_view::npos && key == kArgContainer) *container = std::string(piece.substr(eq + 1));
    else if (eq != std::string_view::npos && key == kArgTargetNetns) *netns = std::string(piece.substr(eq + 1));
    else if (!piece.empty()) rest += (rest.empty() ? "" : ";") + std::string(piece);
  }
  return rest;
}

Result<std::string> string_key(const nlohmann::json& c, const char* key) {
  auto it = c.find(key);
  if (it == c.end() || it->is_null()) return std::string();
  if (!it->is_string()) return fail(Code::kInvalidConfig, "invalid network config", std::string("`") + key + "` must be a string");
  return it->get<std::string>();
}

}  // namespace

Result<Config> parse_config(const cni::Request& req, bool need_target) {
  Config cfg;
  std::string arg_container, arg_netns;
  BERTH_TRY(cni::parse_cni_args(take_own_args(req.env.args, &arg_container, &arg_netns)));
  if (!arg_container.empty()) {
    if (auto ok = cni::validate_container_id(arg_container); !ok)
      return fail(Code::kInvalidEnv, "invalid CNI_ARGS BERTH_CONTAINER", ok.error().details);
    cfg.target = arg_container;
  } else {
    cfg.target = BERTH_TRY(string_key(req.config, "container"));
    if (!cfg.target.empty())
      if (auto ok = cni::validate_container_id(cfg.target); !ok)
        return fail(Code::kInvalidConfig, "invalid `container`", ok.error().details);
  }
  if (!arg_netns.empty()) {
    if (auto ok = cni::validate_dir_path(arg_netns, "BERTH_TARGET_NETNS"); !ok)
      return fail(Code::kInvalidEnv, "invalid CNI_ARGS BERTH_TARGET_NETNS", ok.error().details);
    cfg.target_netns = arg_netns;
  } else {
    cfg.target_netns = BERTH_TRY(string_key(req.config, "targetNetns"));
    if (!cfg.target_netns.empty()) BERTH_TRY(cni::validate_dir_path(cfg.target_netns, "targetNetns"));
  }
  if (auto dir = BERTH_TRY(string_key(req.config, "stateDir")); !dir.empty()) {
    BERTH_TRY(cni::validate_dir_path(dir, "stateDir"));
    cfg.state_dir = dir;
  }
  if (need_target && (cfg.target.empty() || cfg.target_netns.empty()))
    return fail(Code::kInvalidConfig, "no target container",
                "name it with CNI_ARGS BERTH_CONTAINER=<id>;BERTH_TARGET_NETNS=<path> or the config keys "
                "`container` and `targetNetns`");
  if (auto p = req.config.find("prevResult"); p != req.config.end() && !p->is_null()) {
    auto r = cni::parse_result(*p, req.version);
    if (!r) return std::unexpected(r.error().wrap("prevResult"));
    cfg.prev_result = std::move(*r);
  }
  return cfg;
}

}  // namespace berth::container
