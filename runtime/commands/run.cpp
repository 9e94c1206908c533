// `run` and `create`: the options Docker users know, turned into a CreateRequest.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>

#include "runtime/commands/context.h"
#include "runtime/container/id.h"
#include "runtime/container/lifecycle.h"
#include "runtime/container/parse.h"
#include "runtime/container/userns_config.h"
#include "runtime/process/child_report.h"

namespace berth::runtime::cli {
namespace {

struct RunOptions {
  bool detach = false, interactive = false, tty = false, publish_all = false;
  std::string name, network = "bridge", workdir, hostname, memory, cpus, restart = "no", ip, mac;
  int64_t pids_limit = 0;
  int stop_timeout = 10;
  bool auto_remove = false;
  std::vector<std::string> publish, env, volumes, expose, aliases;
  std::string userns;
  std::vector<std::string> uidmaps, gidmaps;
};

void add_options(CLI::App* cmd, RunOptions& o, bool is_run) {
  // -h is --hostname here, as in Docker; help is --help only.
  cmd->set_help_flag("--help", "Print usage");
  if (is_run)
    cmd->add_flag("-d,--detach", o.detach, "Run in the background and print the container ID");
  cmd->add_flag("--rm", o.auto_remove, "Remove the container when it exits");
  cmd->add_option("--name", o.name, "Assign a name to the container");
  cmd->add_option(
      "--net,--network", o.network,
      "Connect to a network: bridge (default), host, none, container:NAME, or a network name");
  cmd->add_option("-p,--publish", o.publish,
                  "Publish a port: [ip:][hostPort:]containerPort[/proto]")
      ->allow_extra_args(false);
  cmd->add_flag("-P,--publish-all", o.publish_all,
                "Publish every exposed port on a free host port");
  cmd->add_option("--expose", o.expose, "Expose a port or range")->allow_extra_args(false);
  cmd->add_option("--ip", o.ip, "IPv4 address on the network");
  cmd->add_option("--mac-address", o.mac, "MAC address of eth0");
  cmd->add_option("--network-alias", o.aliases, "Another name on a user-defined network")
      ->allow_extra_args(false);
  cmd->add_option("-e,--env", o.env, "Set an environment variable (K=V, or K to copy ours)")
      ->allow_extra_args(false);
  cmd->add_option("-v,--volume", o.volumes,
                  "Bind mount: HOST:CONTAINER[:ro] or NAME:CONTAINER[:ro]")
      ->allow_extra_args(false);
  cmd->add_option("-w,--workdir", o.workdir, "Working directory inside the container");
  cmd->add_option("-h,--hostname", o.hostname, "Container host name (default: the short ID)");
  cmd->add_option("-m,--memory", o.memory, "Memory limit (b, k, m, g)");
  cmd->add_option("--cpus", o.cpus, "Number of CPUs (a decimal such as 0.5)");
  cmd->add_option("--pids-limit", o.pids_limit, "Maximum number of processes");
  cmd->add_option("--restart", o.restart,
                  "Restart policy: no, always, unless-stopped, on-failure[:N]");
  cmd->add_option("--stop-timeout", o.stop_timeout, "Seconds to wait after SIGTERM before SIGKILL");
  cmd->add_option("--userns", o.userns,
                  "User namespace: host (default, none) or auto (65536 ids of their own)");
  cmd->add_option("--uidmap", o.uidmaps, "User namespace uid map CONTAINER_ID:HOST_ID:SIZE")
      ->allow_extra_args(false);
  cmd->add_option("--gidmap", o.gidmaps, "User namespace gid map (default: as --uidmap)")
      ->allow_extra_args(false);
  cmd->add_flag("-i,--interactive", o.interactive, "Keep stdin open");
  cmd->add_flag("-t,--tty", o.tty,
                "Give the container a terminal (with -i: ours is connected to it)");
  // IMAGE and COMMAND are everything from the first non-option on, options of the
  // command included (`run busybox ls -l`).
  cmd->prefix_command();
  cmd->fallthrough(false);  // else the parent would take IMAGE as an unexpected argument
}

Result<CreateRequest> to_request(const RunOptions& o, std::vector<std::string> rest) {
  if (rest.empty())
    return fail(Code::kInvalidConfig, "an image is required",
                "usage: berth run [OPTIONS] IMAGE [COMMAND] [ARG...]");
  CreateRequest req;
  if (!o.name.empty()) {
    // Checked before anything is made (create_container checks it again, under its lock).
    std::string n = o.name[0] == '/' ? o.name.substr(1) : o.name;
    if (!valid_name(n))
      return fail(Code::kInvalidConfig, "invalid container name `" + n.substr(0, 80) + "`",
                  "only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed, at least two characters");
  }
  req.name = o.name;
  req.publish_all = o.publish_all;
  ContainerConfig& c = req.config;
  c.image = rest[0];
  c.cmd.assign(rest.begin() + 1, rest.end());
  for (const auto& e : o.env) {
    std::string key = e.substr(0, e.find('='));
    std::string v = BERTH_TRY(parse_env(e, std::getenv(key.c_str())));
    if (!v.empty()) c.env.push_back(v);
  }
  c.workdir = o.workdir;
  if (!o.hostname.empty()) BERTH_TRY(validate_hostname(o.hostname));
  c.hostname = o.hostname;
  c.network = o.network;
  for (const auto& p : o.publish) {
    auto ports = BERTH_TRY(net::parse_publish(p));
    c.ports.insert(c.ports.end(), ports.begin(), ports.end());
  }
  for (const auto& e : o.expose) BERTH_TRY(parse_expose(e, c.exposed));
  for (const auto& a : o.aliases) BERTH_TRY(validate_alias(a));
  c.aliases = o.aliases;
  if (!o.ip.empty() && !IpAddr::parse(o.ip))
    return fail(Code::kInvalidConfig, "invalid --ip `" + o.ip + "`: not an IP address");
  c.ip = o.ip;
  c.mac = o.mac;
  for (const auto& v : o.volumes) c.volumes.push_back(BERTH_TRY(parse_volume(v)));
  if (!o.memory.empty()) c.limits.memory = BERTH_TRY(parse_memory(o.memory));
  if (!o.cpus.empty()) c.limits.nano_cpus = BERTH_TRY(parse_cpus(o.cpus));
  if (o.pids_limit < 0)
    return fail(Code::kInvalidConfig, "invalid --pids-limit: must not be negative");
  c.limits.pids = o.pids_limit;
  c.restart = BERTH_TRY(parse_restart(o.restart));
  c.auto_remove = o.auto_remove;
  c.interactive = o.interactive;
  c.tty = o.tty;
  if (o.stop_timeout < 0)
    return fail(Code::kInvalidConfig, "invalid --stop-timeout: must not be negative");
  c.stop_timeout = o.stop_timeout;
  BERTH_TRY(parse_userns_options(o.userns, o.uidmaps, o.gidmaps, c));
  return req;
}

void do_run(Context& ctx, const RunOptions& o, std::vector<std::string> rest, bool start) {
  auto req = to_request(o, std::move(rest));
  if (!req) return ctx.report(req.error(), kRuntimeFailure);
  auto& rt = ctx.rt();
  auto c = create_container(rt, std::move(*req));
  if (!c) return ctx.report(c.error(), kRuntimeFailure);
  if (!start) {
    std::printf("%s\n", c->id.c_str());
    return;
  }
  if (o.detach) {
    auto r = start_detached(rt, c->id);
    if (!r) {
      if (o.auto_remove) (void)remove_container(rt, c->id, true);
      return ctx.report(r.error(), exit_status_for(r.error()));
    }
    std::printf("%s\n", c->id.c_str());
    return;
  }
  std::fflush(stdout);
  auto code = run_attached(rt, c->id, {o.interactive ? STDIN_FILENO : -1});
  if (!code) return ctx.report(code.error(), exit_status_for(code.error()));
  ctx.exit_code = *code;
}

}  // namespace

void add_run_commands(CLI::App& app, Context& ctx) {
  static RunOptions run_opts, create_opts;
  auto* run = app.add_subcommand("run", "Create and run a container from an image");
  run->footer("Arguments: IMAGE [COMMAND] [ARG...]");
  add_options(run, run_opts, true);
  run->callback([&ctx, run] { do_run(ctx, run_opts, run->remaining(), true); });
  auto* create = app.add_subcommand("create", "Create a container without starting it");
  create->footer("Arguments: IMAGE [COMMAND] [ARG...]");
  add_options(create, create_opts, false);
  create->callback([&ctx, create] { do_run(ctx, create_opts, create->remaining(), false); });
}

}  // namespace berth::runtime::cli
