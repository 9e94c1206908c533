#include "core/cni/skel.h"

#include <cstdlib>
#include <iostream>
#include <iterator>
#include <sstream>

#include <spdlog/spdlog.h>

#include "core/cni/names.h"
#include "core/cni/version.h"
#include "core/log.h"

namespace berth::cni {
namespace {

std::string env_or_empty(const Getenv& g, const char* key) {
  const char* v = g(key);
  return v ? v : "";
}

std::string supported_list() {
  std::string s = "[";
  for (size_t i = 0; i < kSupportedVersions.size(); ++i) {
    if (i) s += ",";
    s += kSupportedVersions[i];
  }
  return s + "]";
}

// Steps 1-2 of the spec's validation order: required variables, then their shapes.
Result<> check_env(const Env& env) {
  const bool add = env.command == "ADD", del = env.command == "DEL", chk = env.command == "CHECK";
  std::string missing;
  auto need = [&](const std::string& v, const char* key) {
    if (v.empty()) missing += (missing.empty() ? "" : ",") + std::string(key);
  };
  if (add || del || chk) {
    need(env.container_id, "CNI_CONTAINERID");
    if (!del) need(env.netns, "CNI_NETNS");
    need(env.ifname, "CNI_IFNAME");
  }
  if (!missing.empty())
    return fail(Code::kInvalidEnv, "required env variables [" + missing + "] missing");
  if (add || del || chk) {
    BERTH_TRY(validate_container_id(env.container_id));
    BERTH_TRY(validate_ifname(env.ifname));
  }
  return {};
}

// Steps 4-6: JSON object, network name, supported version, version floor per command.
Result<Request> decode_request(Env env, std::string data) {
  Request req;
  req.env = std::move(env);
  req.stdin_data = std::move(data);
  req.config = nlohmann::json::parse(req.stdin_data, nullptr, false);
  if (req.config.is_discarded() || !req.config.is_object())
    return fail(Code::kDecode, "decode network config", "stdin is not a JSON object");
  auto name = req.config.find("name");
  if (name == req.config.end() || !name->is_string())
    return fail(Code::kInvalidConfig, "invalid network config", "`name` is missing or not a string");
  req.name = name->get<std::string>();
  BERTH_TRY(validate_network_name(req.name));
  auto ver = req.config.find("cniVersion");
  if (ver != req.config.end() && !ver->is_string())
    return fail(Code::kDecode, "decode network config", "`cniVersion` must be a string");
  req.version = ver == req.config.end() ? "0.1.0" : ver->get<std::string>();
  if (!parse_version(req.version))
    return fail(Code::kDecode, "decode network config", "`cniVersion` `" + req.version + "` is no version");
  if (!is_supported_version(req.version))
    return fail(Code::kIncompatibleVersion, "incompatible CNI versions",
                "config is \"" + req.version + "\", plugin supports " + supported_list());
  const auto& cmd = req.env.command;
  if (cmd == "CHECK" && !version_at_least(req.version, "0.4.0"))
    return fail(Code::kIncompatibleVersion, "config version does not allow CHECK",
                "CHECK needs cniVersion 0.4.0 or later, config is \"" + req.version + "\"");
  if ((cmd == "GC" || cmd == "STATUS") && !version_at_least(req.version, "1.1.0"))
    return fail(Code::kIncompatibleVersion, "config version does not allow " + cmd,
                cmd + " needs cniVersion 1.1.0 or later, config is \"" + req.version + "\"");
  return req;
}

// The JSON text of an answer. Names from the environment (CNI_CONTAINERID, CNI_IFNAME,
// CNI_NETNS) need not be UTF-8, and dump() would throw on them instead of answering
// (found by fuzzing): such bytes are printed as U+FFFD.
std::string printable(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

nlohmann::json version_json(const std::string& data) {
  std::string echo(kLatestVersion);
  auto j = nlohmann::json::parse(data, nullptr, false);
  if (j.is_object()) {
    auto v = j.find("cniVersion");
    if (v != j.end() && v->is_string() && is_supported_version(v->get<std::string>()))
      echo = v->get<std::string>();
  }
  nlohmann::json list = nlohmann::json::array();
  for (auto v : kSupportedVersions) list.push_back(std::string(v));
  return {{"cniVersion", echo}, {"supportedVersions", list}};
}

}  // namespace

nlohmann::json error_to_json(const Error& e, std::string_view version) {
  nlohmann::json j = {{"cniVersion", std::string(version.empty() ? kLatestVersion : version)},
                      {"code", static_cast<int>(e.code)},
                      {"msg", e.msg}};
  if (!e.details.empty()) j["details"] = e.details;
  return j;
}

int run_plugin(const Plugin& plugin, const Getenv& g, std::istream& in, std::ostream& out) {
  Env env{env_or_empty(g, "CNI_COMMAND"),  env_or_empty(g, "CNI_CONTAINERID"),
          env_or_empty(g, "CNI_NETNS"),    env_or_empty(g, "CNI_IFNAME"),
          env_or_empty(g, "CNI_ARGS"),     env_or_empty(g, "CNI_PATH")};
  std::string version;  // the request's version once known; errors are stamped with it
  auto print_error = [&](const Error& e) {
    spdlog::error("{} {}: {}", plugin.name, env.command, e.what());
    out << printable(error_to_json(e, version)) << '\n';
    out.flush();
    return 1;
  };
  if (env.command.empty())
    return print_error(Error{Code::kInvalidEnv, "required env variables [CNI_COMMAND] missing", ""});
  static const char* kCommands[] = {"ADD", "DEL", "CHECK", "GC", "STATUS", "VERSION"};
  if (std::find(std::begin(kCommands), std::end(kCommands), env.command) == std::end(kCommands))
    return print_error(Error{Code::kInvalidEnv, "unknown CNI_COMMAND: " + env.command,
                             "expected ADD, DEL, CHECK, GC, STATUS or VERSION"});
  if (auto ok = check_env(env); !ok) return print_error(ok.error());

  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return print_error(Error{Code::kIo, "read stdin", "the read failed"});
  if (env.command == "VERSION") {
    out << printable(version_json(data)) << '\n';
    return 0;
  }
  auto req = decode_request(env, std::move(data));
  if (!req) return print_error(req.error());
  version = req->version;

  try {
    if (env.command == "ADD") {
      auto r = plugin.add(*req);
      if (!r) return print_error(r.error());
      out << printable(result_to_json(*r, version)) << '\n';
      return 0;
    }
    const auto& fn = env.command == "DEL"     ? plugin.del
                     : env.command == "CHECK" ? plugin.check
                     : env.command == "GC"    ? plugin.gc
                                              : plugin.status;
    if (!fn) return 0;
    auto r = fn(*req);
    if (!r) return print_error(r.error());
    return 0;
  } catch (const nlohmann::json::exception& e) {
    return print_error(Error{Code::kInvalidConfig, "invalid network config", e.what()});
  } catch (const std::exception& e) {
    return print_error(Error{Code::kInternal, "internal error", e.what()});
  }
}

int plugin_main(const Plugin& plugin, int argc, char** argv) {
  init_logging(plugin.name);
  std::string arg = argc > 1 ? argv[1] : "";
  if (arg == "--help" || arg == "-h" || arg == "--version" ||
      (arg.empty() && !std::getenv("CNI_COMMAND"))) {
    std::cerr << "CNI plugin " << plugin.name << " (berth " BERTH_VERSION ")\n"
              << "CNI protocol versions supported: " << supported_list() << "\n"
              << "A container runtime runs this program with CNI_COMMAND=ADD|DEL|CHECK|GC|STATUS|"
                 "VERSION,\nCNI_CONTAINERID, CNI_NETNS, CNI_IFNAME, CNI_ARGS, CNI_PATH and the "
                 "network config on stdin.\nLogs: BERTH_LOG_LEVEL (trace..off, default warn), "
                 "BERTH_LOG_FILE. See README.md.\n";
    return 0;
  }
  return run_plugin(plugin, [](const char* k) { return std::getenv(k); }, std::cin, std::cout);
}

}  // namespace berth::cni
