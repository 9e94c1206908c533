#include "runtime/network/engine.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "core/cni/delegate.h"
#include "core/cni/types.h"
#include "core/cni/version.h"
#include "runtime/network/cache.h"

namespace berth::runtime::net {

using nlohmann::json;

std::vector<std::string> default_plugin_dirs() {
  std::vector<std::string> dirs;
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (!ec) dirs.push_back(self.parent_path().string());
  dirs.push_back("/opt/cni/bin");
  dirs.push_back("/usr/lib/cni");
  return dirs;
}

Engine::Engine(std::vector<std::string> plugin_dirs, std::string cache_dir, ExecFn exec)
    : plugin_dirs_(plugin_dirs.empty() ? default_plugin_dirs() : std::move(plugin_dirs)),
      cache_dir_(std::move(cache_dir)),
      exec_(std::move(exec)) {}

std::string Engine::cni_path() const {
  std::string path;
  for (const auto& d : plugin_dirs_) path += (path.empty() ? "" : ":") + d;
  return path;
}

Result<std::string> Engine::invoke(const ConfList& list, const json& entry, const PluginCall& call,
                                   const json& input) {
  std::string type = entry["type"];
  std::string command = call.command;
  std::transform(command.begin(), command.end(), command.begin(),
                 [](char c) { return char(std::tolower(c)); });
  std::string context =
      "plugin type=\"" + type + "\" name=\"" + list.name + "\" failed (" + command + ")";
  auto exe = cni::find_plugin(type, call.path);
  if (!exe) return std::unexpected(exe.error().wrap(context));
  auto out = exec_(*exe, call, input.dump());
  if (!out) return std::unexpected(out.error().wrap(context));
  return out;
}

Result<json> Engine::add(const ConfList& list, const RuntimeConf& rt) {
  PluginCall call{"ADD",     rt.container_id,          rt.netns,
                  rt.ifname, format_cni_args(rt.args), cni_path()};
  json prev;  // null: the first plugin gets no prevResult
  for (const auto& entry : list.plugins) {
    auto out = BERTH_TRY(invoke(list, entry, call, plugin_stdin(list, entry, prev, rt.cap_args)));
    json result = json::parse(out, nullptr, false);
    std::string type = entry["type"];
    if (!result.is_object())
      return fail(Code::kDecode,
                  "plugin type=\"" + type + "\" name=\"" + list.name + "\" printed no JSON result");
    // libcni stamps a result without a version with the list's version.
    if (!result.contains("cniVersion")) result["cniVersion"] = list.version;
    if (auto parsed = cni::parse_result(result, list.version); !parsed)
      return std::unexpected(
          parsed.error().wrap("plugin type=\"" + type + "\" name=\"" + list.name + "\" result"));
    prev = std::move(result);
  }
  CacheEntry cache{rt.container_id, list.bytes, rt.ifname,   list.name,
                   rt.netns,        rt.args,    rt.cap_args, prev};
  if (auto w = write_cache(cache_dir_, cache); !w)
    return std::unexpected(w.error().wrap("cache the result"));
  return prev;
}

Result<> Engine::del(const ConfList& list, const RuntimeConf& rt, const json& cached_result) {
  PluginCall call{"DEL",     rt.container_id,          rt.netns,
                  rt.ifname, format_cni_args(rt.args), cni_path()};
  // The cached result, converted to the list's version; DEL carries it from 0.4.0 on.
  json prev;
  if (!cached_result.is_null() && cni::version_at_least(list.version, "0.4.0"))
    if (auto r = cni::parse_result(cached_result, list.version); r)
      prev = cni::result_to_json(*r, list.version);
  std::vector<Error> errors;
  for (auto it = list.plugins.rbegin(); it != list.plugins.rend(); ++it)
    if (auto r = invoke(list, *it, call, plugin_stdin(list, *it, prev, rt.cap_args)); !r)
      errors.push_back(r.error());
  if (!errors.empty()) return berth::join_errors(errors);
  if (auto r = remove_cache(cache_dir_, list.name, rt.container_id, rt.ifname); !r)
    return std::unexpected(r.error().wrap("remove the cached result"));
  return {};
}

Result<> Engine::gc(const ConfList& list, const json& valid_attachments) {
  if (list.disable_gc || !cni::version_at_least(list.version, "1.1.0")) return {};
  PluginCall call{"GC", "", "", "", "", cni_path()};
  std::vector<Error> errors;
  for (const auto& entry : list.plugins)
    if (auto r = invoke(list, entry, call, gc_stdin(list, entry, valid_attachments)); !r)
      errors.push_back(r.error());
  if (!errors.empty()) return berth::join_errors(errors);
  return {};
}

}  // namespace berth::runtime::net
