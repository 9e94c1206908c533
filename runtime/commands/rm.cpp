// rm: removes containers and everything they had (plugin attachments, netns, cgroups,
// writable layer, log).
#include <CLI/CLI.hpp>
#include <cstdio>

#include "runtime/commands/context.h"
#include "runtime/container/lifecycle.h"

namespace berth::runtime::cli {

void add_rm_command(CLI::App& app, Context& ctx) {
  static std::vector<std::string> refs;
  static bool force = false;
  auto* rm = app.add_subcommand("rm", "Remove one or more containers");
  rm->add_option("CONTAINER", refs, "Name or ID")->required();
  rm->add_flag("-f,--force", force, "Kill a running container first");
  rm->callback([&ctx] {
    for (const auto& ref : refs) {
      std::string id = ctx.resolve(ref);
      if (id.empty()) continue;
      if (auto r = remove_container(ctx.rt(), id, force); !r)
        ctx.report(r.error());
      else
        std::printf("%s\n", ref.c_str());
    }
  });
}

}  // namespace berth::runtime::cli
