// network connect / disconnect: the verbs of `berth network` that act on containers (the
// network side adds create, ls, inspect, rm and prune).
#include <CLI/CLI.hpp>

#include "runtime/commands/context.h"
#include "runtime/container/connect.h"

namespace berth::runtime::cli {

void add_network_connect_commands(CLI::App& network, Context& ctx) {
  static ConnectRequest req;
  static std::string ref;
  auto* connect =
      network.add_subcommand("connect", "Attach a container to one more network (now if it runs, and at every start)");
  connect->add_option("NETWORK", req.network, "Network name")->required();
  connect->add_option("CONTAINER", ref, "Name or ID")->required();
  connect->add_option("--alias", req.aliases, "Another name on this network")
      ->allow_extra_args(false);
  connect->add_option("--ip", req.ip, "IPv4 address on this network");
  connect->callback([&ctx] {
    std::string id = ctx.resolve(ref);
    if (id.empty()) return;
    if (auto r = connect_container(ctx.rt(), id, req); !r) ctx.report(r.error());
  });

  static std::string dis_net, dis_ref;
  static bool force = false;
  auto* disconnect =
      network.add_subcommand("disconnect", "Detach a container from a network");
  disconnect->add_option("NETWORK", dis_net, "Network name")->required();
  disconnect->add_option("CONTAINER", dis_ref, "Name or ID")->required();
  disconnect->add_flag("-f,--force", force, "Accepted for Docker compatibility");
  disconnect->callback([&ctx] {
    std::string id = ctx.resolve(dis_ref);
    if (id.empty()) return;
    if (auto r = disconnect_container(ctx.rt(), id, dis_net); !r) ctx.report(r.error());
  });
}

}  // namespace berth::runtime::cli
