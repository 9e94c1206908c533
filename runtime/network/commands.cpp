#include "runtime/network/commands.h"

#include <memory>

#include <fmt/core.h>
#include <spdlog/spdlog.h>

#include "runtime/commands/confirm.h"
#include "runtime/network/inspect_json.h"

namespace berth::runtime::net {
namespace {

// User-facing failure: the message on stderr, exit status 1 (CLI11 prints nothing more
// for a RuntimeError).
[[noreturn]] void die(const std::string& message) {
  fmt::print(stderr, "Error: {}\n", message);
  throw CLI::RuntimeError(1);
}

template <typename T>
T must(Result<T> r) {
  if (!r) die(r.error().what());
  if constexpr (!std::is_void_v<T>) return std::move(*r);
}

// -o KEY=VALUE: Docker's bridge options berth implements.
void apply_option(CreateOptions& opts, const std::string& kv) {
  size_t eq = kv.find('=');
  std::string key = kv.substr(0, eq), value = eq == std::string::npos ? "" : kv.substr(eq + 1);
  if (key == "icc" || key == "com.docker.network.bridge.enable_icc") {
    if (value != "true" && value != "false")
      die("option `" + key + "` must be true or false, not `" + value + "`");
    opts.icc = value == "true";
    return;
  }
  die("unknown network option `" + key + "` (berth knows icc)");
}

void add_create(CLI::App& parent, std::function<Networks()> make) {
  auto* cmd = parent.add_subcommand("create", "Create a network");
  auto opts = std::make_shared<CreateOptions>();
  auto raw = std::make_shared<std::vector<std::string>>();
  cmd->add_option("-d,--driver", opts->driver, "Driver (bridge)")->capture_default_str();
  cmd->add_option("--subnet", opts->subnets, "Subnet in CIDR form; repeat for IPv4 and IPv6");
  cmd->add_option("--gateway", opts->gateways, "Gateway of the subnet containing it");
  cmd->add_option("--ip-range", opts->ip_ranges, "Hand out addresses from this sub-range only");
  cmd->add_flag("--internal", opts->internal, "No outside access: no default route, no masquerade");
  cmd->add_flag("--ipv6", opts->ipv6, "Add an IPv6 subnet (a ULA /64 unless --subnet gives one)");
  cmd->add_option("-o,--opt", *raw, "Driver option KEY=VALUE (icc=false)");
  cmd->add_option("name", opts->name, "Network name")->required();
  cmd->callback([opts, raw, make] {
    for (const auto& kv : *raw) apply_option(*opts, kv);
    auto nets = make();
    fmt::print("{}\n", must(nets.create(*opts)).id);
  });
}

void add_ls(CLI::App& parent, std::function<Networks()> make) {
  auto* cmd = parent.add_subcommand("ls", "List networks");
  cmd->alias("list");
  auto quiet = std::make_shared<bool>(false);
  cmd->add_flag("-q,--quiet", *quiet, "Only network IDs");
  cmd->callback([quiet, make] {
    auto nets = make();
    // The default network shows up as in Docker, made on first use like the daemon does.
    if (auto d = nets.ensure_default(); !d) spdlog::warn("{}", d.error().what());
    auto all = must(nets.list());
    if (!*quiet) fmt::print("{:<14} {:<20} {:<8} {}\n", "NETWORK ID", "NAME", "DRIVER", "SCOPE");
    for (const auto& n : all) {
      if (*quiet)
        fmt::print("{}\n", n.id.substr(0, 12));
      else
        fmt::print("{:<14} {:<20} {:<8} {}\n", n.id.substr(0, 12), n.name, n.driver, "local");
    }
  });
}

void add_inspect(CLI::App& parent, std::function<Networks()> make) {
  auto* cmd = parent.add_subcommand("inspect", "Show networks in detail (JSON)");
  auto names = std::make_shared<std::vector<std::string>>();
  cmd->add_option("network", *names, "Network names or IDs")->required();
  cmd->callback([names, make] {
    auto nets = make();
    if (auto d = nets.ensure_default(); !d) spdlog::warn("{}", d.error().what());
    auto out = nlohmann::json::array();
    std::string errors;
    for (const auto& name : *names) {
      auto info = nets.inspect(name);
      if (!info) {
        errors += (errors.empty() ? "" : "\n") + info.error().what();
        continue;
      }
      auto eps = nets.endpoints(info->name);
      if (!eps) {
        errors += (errors.empty() ? "" : "\n") + eps.error().what();
        continue;
      }
      out.push_back(inspect_json(*info, *eps));
    }
    fmt::print("{}\n", out.dump(4));
    if (!errors.empty()) die(errors);
  });
}

void add_rm(CLI::App& parent, std::function<Networks()> make) {
  auto* cmd = parent.add_subcommand("rm", "Remove networks");
  cmd->alias("remove");
  auto names = std::make_shared<std::vector<std::string>>();
  cmd->add_option("network", *names, "Network names or IDs")->required();
  cmd->callback([names, make] {
    auto nets = make();
    std::string errors;
    for (const auto& name : *names) {
      if (auto r = nets.remove(name); !r)
        errors += (errors.empty() ? "" : "\n") + r.error().what();
      else
        fmt::print("{}\n", name);
    }
    if (!errors.empty()) die(errors);
  });
}

void add_prune(CLI::App& parent, std::function<Networks()> make) {
  auto* cmd =
      parent.add_subcommand("prune", "Remove every network no container uses (never `bridge`)");
  // CLI11 writes the flag through this pointer while parsing: the callback keeps it alive.
  auto force = std::make_shared<bool>(false);
  cmd->add_flag("-f,--force", *force, "Do not ask for confirmation");
  cmd->callback([make, force] {
    if (!*force && !must(cli::confirm_prune("network prune",
                                            "This will remove all custom networks not used by "
                                            "at least one container.")))
      return;
    auto nets = make();
    auto removed = must(nets.prune());
    if (removed.empty()) return;
    fmt::print("Deleted Networks:\n");
    for (const auto& n : removed) fmt::print("{}\n", n);
  });
}

}  // namespace

void add_network_commands(CLI::App& network_cmd, std::function<Networks()> make_networks) {
  add_create(network_cmd, make_networks);
  add_ls(network_cmd, make_networks);
  add_inspect(network_cmd, make_networks);
  add_rm(network_cmd, make_networks);
  add_prune(network_cmd, make_networks);
}

}  // namespace berth::runtime::net
