// inspect (a JSON array, or --format) and port.
#include "runtime/container/inspect.h"

#include <CLI/CLI.hpp>
#include <cstdio>

#include "runtime/commands/context.h"
#include "runtime/container/lifecycle.h"
#include "runtime/container/volumes.h"

namespace berth::runtime::cli {

void add_inspect_commands(CLI::App& app, Context& ctx) {
  static std::vector<std::string> refs;
  static std::string format;
  auto* inspect = app.add_subcommand("inspect", "Show containers' configuration and state as JSON");
  inspect->add_option("CONTAINER", refs, "Name or ID")->required();
  inspect->add_option("-f,--format", format,
                      "Print a field: {{.State.Status}}, {{json .NetworkSettings}}");
  inspect->callback([&ctx] {
    auto out = nlohmann::json::array();
    for (const auto& ref : refs) {
      std::string id = ctx.resolve(ref);
      if (id.empty()) continue;
      auto c = load_reconciled(ctx.rt(), id);
      if (!c) {
        ctx.report(c.error());
        continue;
      }
      std::optional<Usage> usage;
      if (is_active(c->state.status)) usage = Cgroup(ctx.rt().cgroups, id).usage();
      auto j = inspect_json(*c, usage);
      j["Mounts"] = mounts_json(*c, ctx.rt().store.root());  // needs the root: volumes' paths
      if (format.empty()) {
        out.push_back(std::move(j));
        continue;
      }
      auto text = render_format(format, j);
      if (!text) return ctx.report(text.error());
      std::printf("%s\n", text->c_str());
    }
    if (format.empty()) std::printf("%s\n", out.dump(4).c_str());
  });

  static std::string port_ref, port_filter;
  auto* port = app.add_subcommand("port", "List a container's published ports");
  port->add_option("CONTAINER", port_ref, "Name or ID")->required();
  port->add_option("PORT", port_filter, "Only this container port: 80 or 80/udp");
  port->callback([&ctx] {
    std::string id = ctx.resolve(port_ref);
    if (id.empty()) return;
    auto c = load_reconciled(ctx.rt(), id);
    if (!c) return ctx.report(c.error());
    // Only a running container has ports on the host.
    auto lines =
        is_active(c->state.status) ? port_lines(*c, port_filter) : std::vector<std::string>{};
    if (lines.empty() && !port_filter.empty())
      return ctx.report({Code::kInvalidConfig,
                         "no public port `" + port_filter + "` published for `" + port_ref + "`",
                         {}});
    for (const auto& l : lines) std::printf("%s\n", l.c_str());
  });
}

}  // namespace berth::runtime::cli
