// start, stop, restart, kill: each takes one or more containers and prints each one it
// handled, as Docker does; a failure on one does not stop the others.
#include <signal.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>

#include "runtime/commands/context.h"
#include "runtime/container/lifecycle.h"
#include "runtime/container/parse.h"
#include "runtime/process/child_report.h"

namespace berth::runtime::cli {
namespace {

struct Options {
  std::vector<std::string> refs;
  bool attach = false;
  bool interactive = false;
  int timeout = -1;  // -1: the container's --stop-timeout
  std::string signal = "KILL";
};

template <typename Fn>
void for_each(Context& ctx, const std::vector<std::string>& refs, int status, Fn fn) {
  for (const auto& ref : refs) {
    std::string id = ctx.resolve(ref, status);
    if (id.empty()) continue;
    if (auto r = fn(id); !r)
      ctx.report(r.error(), status);
    else
      std::printf("%s\n", ref.c_str());
  }
}

int timeout_for(Context& ctx, const std::string& id, int given) {
  if (given >= 0) return given;
  auto c = ctx.rt().store.load(id);
  return c ? c->config.stop_timeout : 10;
}

}  // namespace

void add_start_stop_commands(CLI::App& app, Context& ctx) {
  static Options start_o, stop_o, restart_o, kill_o;

  auto* start = app.add_subcommand("start", "Start one or more stopped containers");
  start->add_option("CONTAINER", start_o.refs, "Name or ID")->required();
  start->add_flag("-a,--attach", start_o.attach,
                  "Attach: stream the output and return the exit status");
  start->add_flag("-i,--interactive", start_o.interactive, "With -a: connect our stdin too");
  start->callback([&ctx] {
    if (start_o.attach) {
      if (start_o.refs.size() != 1)
        return ctx.report({Code::kInvalidConfig, "start -a takes exactly one container", {}});
      std::string id = ctx.resolve(start_o.refs[0]);
      if (id.empty()) return;
      auto code = run_attached(ctx.rt(), id, {start_o.interactive ? STDIN_FILENO : -1});
      if (!code) return ctx.report(code.error(), exit_status_for(code.error()));
      ctx.exit_code = *code;
      return;
    }
    for_each(ctx, start_o.refs, kCommandFailure,
             [&](const std::string& id) { return start_detached(ctx.rt(), id); });
  });

  auto* stop =
      app.add_subcommand("stop", "Stop containers: SIGTERM, then SIGKILL after the grace period");
  stop->add_option("CONTAINER", stop_o.refs, "Name or ID")->required();
  stop->add_option("-t,--time", stop_o.timeout,
                   "Seconds to wait before killing (default: the container's, 10)");
  stop->callback([&ctx] {
    for_each(ctx, stop_o.refs, kCommandFailure, [&](const std::string& id) {
      return stop_container(ctx.rt(), id, timeout_for(ctx, id, stop_o.timeout));
    });
  });

  auto* restart = app.add_subcommand("restart", "Stop, then start containers");
  restart->add_option("CONTAINER", restart_o.refs, "Name or ID")->required();
  restart->add_option("-t,--time", restart_o.timeout, "Seconds to wait before killing");
  restart->callback([&ctx] {
    for_each(ctx, restart_o.refs, kCommandFailure, [&](const std::string& id) -> Result<> {
      BERTH_TRY(stop_container(ctx.rt(), id, timeout_for(ctx, id, restart_o.timeout)));
      return start_detached(ctx.rt(), id);
    });
  });

  static std::vector<std::string> pause_refs, unpause_refs;
  auto* pause = app.add_subcommand("pause", "Freeze every process of running containers");
  pause->add_option("CONTAINER", pause_refs, "Name or ID")->required();
  pause->callback([&ctx] {
    for_each(ctx, pause_refs, kCommandFailure,
             [&](const std::string& id) { return pause_container(ctx.rt(), id); });
  });
  auto* unpause = app.add_subcommand("unpause", "Thaw paused containers");
  unpause->add_option("CONTAINER", unpause_refs, "Name or ID")->required();
  unpause->callback([&ctx] {
    for_each(ctx, unpause_refs, kCommandFailure,
             [&](const std::string& id) { return unpause_container(ctx.rt(), id); });
  });

  auto* kill = app.add_subcommand("kill", "Send a signal (default SIGKILL) to running containers");
  kill->add_option("CONTAINER", kill_o.refs, "Name or ID")->required();
  kill->add_option("-s,--signal", kill_o.signal, "Signal name or number");
  kill->callback([&ctx] {
    auto sig = parse_signal(kill_o.signal);
    if (!sig) return ctx.report(sig.error());
    for_each(ctx, kill_o.refs, kCommandFailure,
             [&](const std::string& id) { return kill_container(ctx.rt(), id, *sig); });
  });
}

}  // namespace berth::runtime::cli
