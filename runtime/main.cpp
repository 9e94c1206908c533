// berth: a small container runtime whose containers are networked by berth's CNI
// plugins. Thin: global options, then one verb from commands/.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "runtime/commands/context.h"
#include "runtime/container/parse.h"
#include "runtime/network/commands.h"

using namespace berth::runtime;

int main(int argc, char** argv) {
  CLI::App app{
      "berth: run containers in namespaces, cgroups and an overlay rootfs, networked by CNI "
      "plugins",
      "berth"};
  app.require_subcommand(1);
  app.fallthrough();
  cli::Context ctx;
  app.add_option("--root", ctx.root, "Where berth keeps containers and images")
      ->capture_default_str()
      ->check([](const std::string& root) {
        auto ok = validate_root(root);
        return ok ? std::string() : ok.error().what();
      });
  app.add_option("--log-level", ctx.log_level, "trace, debug, info, warn (default), error, off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}));
  app.set_version_flag("--version", std::string("berth ") + BERTH_VERSION);

  cli::add_run_commands(app, ctx);
  cli::add_start_stop_commands(app, ctx);
  cli::add_rm_command(app, ctx);
  cli::add_ps_command(app, ctx);
  cli::add_inspect_commands(app, ctx);
  cli::add_logs_command(app, ctx);
  cli::add_exec_command(app, ctx);
  cli::add_image_commands(app, ctx);
  cli::add_stats_command(app, ctx);
  cli::add_nsenter_command(app, ctx);
  cli::add_volume_commands(app, ctx);
  auto* network = app.add_subcommand("network", "Manage networks")->alias("net");
  network->require_subcommand(1);
  net::add_network_commands(*network, [&ctx] { return ctx.rt().networks(); });
  cli::add_network_connect_commands(*network, ctx);
  cli::add_diagnose_command(*network, ctx);

  try {
    app.parse(argc, argv);
  } catch (const CLI::RuntimeError& e) {
    return e.get_exit_code();  // a network verb failed and has said why
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help, --version
    std::fprintf(stderr, "berth: %s\n", e.what());
    std::string verb;
    for (const auto* sub : app.get_subcommands()) verb = " " + sub->get_name();
    std::fprintf(stderr, "See 'berth%s --help'.\n", verb.c_str());
    return cli::kRuntimeFailure;
  }
  return ctx.exit_code;
}
