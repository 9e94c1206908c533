// volume create | ls | inspect | rm | prune: named volumes, Docker's `local` driver (the
// rules, locking included, are in runtime/container/volumes.h).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <set>
#include <string>

#include "runtime/commands/confirm.h"
#include "runtime/commands/context.h"
#include "runtime/container/volumes.h"

namespace berth::runtime::cli {
namespace {

// Volumes any container (in any state) refers to; nullopt after reporting a failure.
std::optional<std::set<std::string>> used_volumes(Context& ctx) {
  auto all = ctx.rt().store.list();
  if (!all) {
    ctx.report(all.error());
    return std::nullopt;
  }
  std::set<std::string> used;
  for (const auto& c : *all)
    for (const auto& v : c.config.volumes) used.insert(v.source);
  return used;
}

void add_create(CLI::App& volume, Context& ctx) {
  auto name = std::make_shared<std::string>();
  auto driver = std::make_shared<std::string>("local");
  auto* cmd = volume.add_subcommand(
      "create", "Create a volume (no NAME: a random one); an existing one is kept as it is");
  cmd->add_option("NAME", *name, "Volume name: [a-zA-Z0-9][a-zA-Z0-9_.-]*, up to 255 bytes");
  cmd->add_option("-d,--driver", *driver, "Volume driver (local)")->capture_default_str();
  cmd->callback([&ctx, name, driver] {
    if (*driver != "local")
      return ctx.report({Code::kInvalidConfig, "unknown volume driver `" + *driver + "`",
                         "berth has the `local` driver only"});
    auto v = create_volume(ctx.rt().store, *name);
    if (!v) return ctx.report(v.error());
    std::printf("%s\n", v->name.c_str());
  });
}

void add_ls(CLI::App& volume, Context& ctx) {
  auto quiet = std::make_shared<bool>(false);
  auto filters = std::make_shared<std::vector<std::string>>();
  auto* cmd = volume.add_subcommand("ls", "List volumes");
  cmd->alias("list");
  cmd->add_flag("-q,--quiet", *quiet, "Only volume names");
  cmd->add_option("-f,--filter", *filters,
                  "Only volumes matching: dangling=true|false, name=SUBSTRING, driver=local");
  cmd->callback([&ctx, quiet, filters] {
    VolumeFilter f;
    for (const auto& kv : *filters)
      if (auto r = add_volume_filter(f, kv); !r) return ctx.report(r.error());
    auto all = list_volumes(ctx.rt().store.root());
    if (!all) return ctx.report(all.error());
    auto used = used_volumes(ctx);
    if (!used) return;
    if (!*quiet) std::printf("%-10s%s\n", "DRIVER", "VOLUME NAME");
    for (const auto& v : *all) {
      if (!volume_matches(f, v, used->count(v.name) > 0)) continue;
      if (*quiet)
        std::printf("%s\n", v.name.c_str());
      else
        std::printf("%-10s%s\n", "local", v.name.c_str());
    }
  });
}

void add_inspect(CLI::App& volume, Context& ctx) {
  auto names = std::make_shared<std::vector<std::string>>();
  auto* cmd = volume.add_subcommand("inspect", "Show volumes in detail (JSON)");
  cmd->add_option("VOLUME", *names, "Volume names")->required();
  cmd->callback([&ctx, names] {
    auto out = nlohmann::json::array();
    std::vector<Error> errors;
    for (const auto& n : *names) {
      auto v = inspect_volume(ctx.rt().store.root(), n);
      if (v)
        out.push_back(volume_json(*v));
      else
        errors.push_back(v.error());
    }
    std::printf("%s\n", out.dump(4).c_str());
    for (const auto& e : errors) ctx.report(e);
  });
}

void add_rm(CLI::App& volume, Context& ctx) {
  auto names = std::make_shared<std::vector<std::string>>();
  auto force = std::make_shared<bool>(false);
  auto* cmd =
      volume.add_subcommand("rm", "Remove volumes no container (running or stopped) refers to");
  cmd->alias("remove");
  cmd->add_option("VOLUME", *names, "Volume names")->required();
  cmd->add_flag("-f,--force", *force,
                "No error for a volume that does not exist (a volume in use is still kept)");
  cmd->callback([&ctx, names, force] {
    for (const auto& n : *names) {
      auto r = remove_volume(ctx.rt().store, n);
      if (!r && !(*force && r.error().code == Code::kUnknownContainer)) {
        ctx.report(r.error());
        continue;
      }
      std::printf("%s\n", n.c_str());
    }
  });
}

void add_prune(CLI::App& volume, Context& ctx) {
  auto force = std::make_shared<bool>(false);
  auto all = std::make_shared<bool>(false);
  auto* cmd = volume.add_subcommand(
      "prune", "Remove every volume no container (running or stopped) refers to");
  cmd->add_flag("-f,--force", *force, "Do not ask for confirmation");
  cmd->add_flag("-a,--all", *all,
                "Accepted for Docker's sake: berth's volumes are all named, and prune "
                "considers every one of them");
  cmd->callback([&ctx, force] {
    if (!*force) {
      auto yes = confirm_prune(
          "volume prune", "This will remove all local volumes not used by at least one container.");
      if (!yes) return ctx.report(yes.error());
      if (!*yes) return;
    }
    auto report = prune_volumes(ctx.rt().store);
    if (!report) return ctx.report(report.error());
    if (!report->removed.empty()) {
      std::printf("Deleted Volumes:\n");
      for (const auto& n : report->removed) std::printf("%s\n", n.c_str());
      std::printf("\n");
    }
    std::printf("Total reclaimed space: %s\n", human_size_si(report->reclaimed).c_str());
  });
}

}  // namespace

void add_volume_commands(CLI::App& app, Context& ctx) {
  auto* volume = app.add_subcommand("volume", "Manage volumes");
  volume->require_subcommand(1);
  add_create(*volume, ctx);
  add_ls(*volume, ctx);
  add_inspect(*volume, ctx);
  add_rm(*volume, ctx);
  add_prune(*volume, ctx);
}

}  // namespace berth::runtime::cli
