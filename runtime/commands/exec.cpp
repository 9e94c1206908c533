// exec: runs a command inside a running container (its namespaces, cgroups, capability
// set and environment) and returns the command's exit status. -t gives the command a
// terminal of its own (Docker's `exec -it`), relayed to ours.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "runtime/commands/context.h"
#include "runtime/container/launch.h"
#include "runtime/container/lifecycle.h"
#include "runtime/container/parse.h"
#include "runtime/process/child_report.h"
#include "runtime/process/exec_in.h"

namespace berth::runtime::cli {

void add_exec_command(CLI::App& app, Context& ctx) {
  static bool interactive = false, tty = false;
  static std::vector<std::string> env;
  static std::string workdir;
  auto* exec = app.add_subcommand("exec", "Run a command in a running container");
  exec->add_flag("-i,--interactive", interactive, "Keep stdin open");
  exec->add_flag("-t,--tty", tty,
                 "Allocate a pseudo-TTY for the command (with -i: our terminal, which must be "
                 "one, is connected to it)");
  exec->add_option("-e,--env", env, "Set an environment variable")->allow_extra_args(false);
  exec->add_option("-w,--workdir", workdir, "Working directory inside the container");
  exec->prefix_command();
  exec->fallthrough(false);
  exec->footer("Arguments: CONTAINER COMMAND [ARG...]");
  exec->callback([&ctx, exec] {
    auto rest = exec->remaining();
    if (rest.size() < 2)
      return ctx.report({Code::kInvalidConfig, "a container and a command are required",
                         "usage: berth exec [OPTIONS] CONTAINER COMMAND [ARG...]"},
                        kRuntimeFailure);
    std::string id = ctx.resolve(rest[0], kRuntimeFailure);
    if (id.empty()) return;
    auto c = load_reconciled(ctx.rt(), id);
    if (!c) return ctx.report(c.error(), kRuntimeFailure);
    // As Docker's CLI, after the container was found and before anything is run: raw
    // keys need a terminal to come from. Status 1, as Docker's.
    if (tty && interactive && !::isatty(STDIN_FILENO))
      return ctx.report({Code::kInvalidConfig, "the input device is not a TTY", {}},
                        kCommandFailure);
    if (c->state.status == Status::kPaused)
      return ctx.report(
          {Code::kInvalidConfig, "container `" + c->name + "` is paused: unpause it first", {}},
          kRuntimeFailure);
    if (c->state.status != Status::kRunning || c->state.pid <= 0)
      return ctx.report({Code::kInvalidConfig, "container `" + c->name + "` is not running", {}},
                        kRuntimeFailure);
    ExecSpec s;
    s.pid = c->state.pid;
    s.pid_start = c->state.pid_start;
    s.argv.assign(rest.begin() + 1, rest.end());
    s.env = container_env(*c, container_hostname(*c));
    for (const auto& e : env) {
      auto v = parse_env(e, std::getenv(e.substr(0, e.find('=')).c_str()));
      if (!v) return ctx.report(v.error(), kRuntimeFailure);
      if (!v->empty()) s.env.push_back(*v);
    }
    if (tty && std::none_of(s.env.begin(), s.env.end(),
                            [](const std::string& e) { return e.starts_with("TERM="); }))
      s.env.push_back("TERM=xterm");
    s.workdir = !workdir.empty() ? workdir : c->config.workdir.empty() ? "/" : c->config.workdir;
    // Those the container has: one started by an older berth has no devices cgroup.
    for (auto& dir : Cgroup(ctx.rt().cgroups, id).paths())
      if (::access(dir.c_str(), F_OK) == 0) s.cgroups.push_back(std::move(dir));
    s.keep_stdin = interactive;
    s.tty = tty;
    std::fflush(nullptr);
    auto code = exec_in(s);
    if (!code) return ctx.report(code.error(), exit_status_for(code.error()));
    ctx.exit_code = *code;
  });
}

}  // namespace berth::runtime::cli
