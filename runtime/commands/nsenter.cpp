// nsenter: runs a host command (ip, ss, tcpdump, nft, a shell) inside the namespaces of a
// running container, or of any process or network namespace, and returns its status.
#include "runtime/debug/nsenter.h"

#include <CLI/CLI.hpp>
#include <cstdio>

#include "runtime/commands/context.h"
#include "runtime/process/child_report.h"

namespace berth::runtime::cli {
namespace {

constexpr const char* kFooter =
    R"(Arguments: CONTAINER [-- COMMAND [ARG...]]  (or --pid PID / --netns PATH instead of CONTAINER)

Runs one of the host's commands inside a running container's namespaces, so that tools
the container lacks (ip, ss, tcpdump, nft) look at its network. Without a namespace
option the network namespace is entered. Without a command: $SHELL, else /bin/sh.

  berth nsenter web                          a host shell in web's network namespace
  berth nsenter web -- ip -o addr            web's interfaces and addresses
  berth nsenter web -p -- ps -ef             web's processes (the host's ps)
  berth nsenter --pid 4242 -- ss -tlnp       any process, e.g. another runtime's container
  berth nsenter --netns /run/netns/x -- ip route

Without --mount the command sees the host's files, in a private mount namespace where
/sys (and /proc with --pid-ns) show the entered namespaces; the host's mounts never
change. With --mount or --all the command comes from the container's own rootfs.
Exit status: the command's (128+N when signal N ended it); 127 when it was not found,
126 when it could not be run, 125 when berth failed (unknown or stopped container,
permission denied: entering namespaces needs root).)";

struct Options {
  pid_t pid = 0;
  std::string netns;
  bool net = false, mount = false, pid_ns = false, uts = false, ipc = false, all = false;
  // Two positionals, not one list: CLI11 keeps a `--` inside the verb only while one of
  // its positionals still expects a value. With --pid/--netns, `container` holds the
  // command's first word.
  std::string container;
  std::vector<std::string> command;
};

unsigned selected(const Options& o) {
  using namespace debug;
  if (o.all) return kNsAll;
  unsigned which = (o.net ? kNsNet : 0U) | (o.mount ? kNsMount : 0U) | (o.pid_ns ? kNsPid : 0U) |
                   (o.uts ? kNsUts : 0U) | (o.ipc ? kNsIpc : 0U);
  return which != 0 ? which : kNsNet;
}

void run(Context& ctx, const Options& o) {
  std::vector<std::string> command = o.command;
  Result<debug::NsTarget> target;
  if (o.pid != 0 || !o.netns.empty()) {
    if (!o.container.empty()) command.insert(command.begin(), o.container);
    if (o.pid != 0)
      target = debug::pid_target(o.pid);
    else
      target = debug::netns_target(o.netns);
  } else if (o.container.empty()) {
    return ctx.report({Code::kInvalidConfig, "a container, --pid PID or --netns PATH is required",
                       "usage: berth nsenter CONTAINER|--pid PID|--netns PATH [-- COMMAND]"},
                      kRuntimeFailure);
  } else {
    target = debug::container_target(ctx.rt(), o.container);
  }
  if (!target) return ctx.report(target.error(), kRuntimeFailure);
  auto fds = debug::open_namespaces(*target, selected(o));
  if (!fds) return ctx.report(fds.error(), kRuntimeFailure);
  std::fflush(nullptr);
  auto status = debug::run_in_namespaces(*fds, command);
  if (!status) return ctx.report(status.error(), exit_status_for(status.error()));
  ctx.exit_code = *status;
}

}  // namespace

void add_nsenter_command(CLI::App& app, Context& ctx) {
  static Options o;
  auto* cmd = app.add_subcommand(
      "nsenter", "Run a host command (ip, ss, tcpdump, nft) in a container's namespaces");
  auto* pid = cmd->add_option("-t,--pid", o.pid, "Enter the namespaces of this host process");
  auto* netns =
      cmd->add_option("--netns", o.netns, "Enter this network namespace file (or /run/netns NAME)");
  pid->excludes(netns);
  cmd->add_flag("-n,--net", o.net, "Enter the network namespace (the default)");
  cmd->add_flag("-m,--mount", o.mount, "Enter the mount namespace: the command is the container's");
  cmd->add_flag("-p,--pid-ns", o.pid_ns, "Enter the pid namespace (the command is forked into it)");
  cmd->add_flag("-u,--uts", o.uts, "Enter the UTS namespace (hostname)");
  cmd->add_flag("-i,--ipc", o.ipc, "Enter the IPC namespace");
  cmd->add_flag("-a,--all", o.all, "Enter all of them (and the cgroup namespace)");
  cmd->add_option("container", o.container, "Name, ID or unique ID prefix of a running container");
  cmd->add_option("command", o.command, "After --: the command and its arguments");
  cmd->footer(kFooter);
  cmd->callback([&ctx] { run(ctx, o); });
}

}  // namespace berth::runtime::cli
