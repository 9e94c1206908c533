// stats: one snapshot of the running containers' cgroup usage (Docker's --no-stream).
#include <CLI/CLI.hpp>
#include <cstdio>

#include "runtime/commands/context.h"
#include "runtime/container/id.h"
#include "runtime/container/lifecycle.h"

namespace berth::runtime::cli {
namespace {

std::string mib(int64_t bytes) {
  if (bytes < 0) return "--";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2fMiB", double(bytes) / (1 << 20));
  return buf;
}

}  // namespace

void add_stats_command(CLI::App& app, Context& ctx) {
  static std::vector<std::string> refs;
  static bool no_stream = false;
  auto* stats =
      app.add_subcommand("stats", "Show running containers' memory, CPU time and process count");
  stats->add_option("CONTAINER", refs, "Name or ID (default: all running)");
  stats->add_flag("--no-stream", no_stream, "Print once (the only mode berth has)");
  stats->callback([&ctx] {
    auto& rt = ctx.rt();
    std::vector<std::string> ids;
    if (refs.empty()) {
      if (auto all = rt.store.list())
        for (const auto& c : *all)
          if (is_active(c.state.status)) ids.push_back(c.id);
    }
    for (const auto& r : refs)
      if (std::string id = ctx.resolve(r); !id.empty()) ids.push_back(id);
    std::printf("%-14s %-20s %-24s %-12s %s\n", "CONTAINER ID", "NAME", "MEM USAGE / LIMIT",
                "CPU TIME", "PIDS");
    for (const auto& id : ids) {
      auto c = load_reconciled(rt, id);
      if (!c) continue;
      Usage u = is_active(c->state.status) ? Cgroup(rt.cgroups, id).usage() : Usage{};
      std::string mem = mib(u.memory) + " / " +
                        (u.memory_limit < 0 ? std::string("unlimited") : mib(u.memory_limit));
      char cpu[32];
      std::snprintf(cpu, sizeof cpu, u.cpu_ns < 0 ? "--" : "%.2fs", double(u.cpu_ns) / 1e9);
      std::printf("%-14s %-20s %-24s %-12s %s\n", short_id(id).c_str(), c->name.c_str(),
                  mem.c_str(), cpu, u.pids < 0 ? "--" : std::to_string(u.pids).c_str());
    }
  });
}

}  // namespace berth::runtime::cli
