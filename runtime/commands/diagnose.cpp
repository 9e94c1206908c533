// network diagnose (also `berth net diagnose`): why a container cannot reach something.
// Prints the path hop by hop and one line naming the cause; exit 0 when the path is open,
// 1 when a cause was found, 125 when the question itself was wrong (unknown container,
// bad --to or --published).
#include <CLI/CLI.hpp>
#include <cstdio>

#include "runtime/commands/context.h"
#include "runtime/diagnose/path.h"
#include "runtime/diagnose/walk.h"

namespace berth::runtime::cli {

void add_diagnose_command(CLI::App& network, Context& ctx) {
  static diagnose::Request req;
  static bool json = false;
  auto* cmd = network.add_subcommand(
      "diagnose", "Walk the path a packet takes from a container and name what stops it");
  cmd->add_option("CONTAINER", req.container, "Name or ID of the container")->required();
  auto* to = cmd->add_option("--to", req.to,
                             "ADDR[:PORT] or CONTAINER[:PORT] (a /udp suffix picks UDP); "
                             "default: the way out");
  cmd->add_option("--published", req.published, "HOSTPORT[/PROTO] the container publishes")
      ->excludes(to);
  cmd->add_flag("--json", json, "Print the report as JSON");
  cmd->callback([&ctx] {
    auto path = diagnose::resolve_path(ctx.rt(), req);
    if (!path) return ctx.report(path.error(), kRuntimeFailure);
    auto report = diagnose::walk(*path);
    std::string out =
        json ? diagnose::render_json(report).dump(2) + "\n" : diagnose::render_text(report);
    std::fputs(out.c_str(), stdout);
    ctx.exit_code = report.failed() ? kCommandFailure : 0;
  });
}

}  // namespace berth::runtime::cli
