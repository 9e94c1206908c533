// ps: the containers, newest first, in Docker's columns. Reading them reconciles records
// whose monitor is gone.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "runtime/commands/context.h"
#include "runtime/container/clock.h"
#include "runtime/container/id.h"
#include "runtime/container/inspect.h"
#include "runtime/container/lifecycle.h"

namespace berth::runtime::cli {
namespace {

// Columns padded to their widest cell plus three spaces (Docker's tabwriter look).
void print_table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width;
  auto cells = [](const std::string& s) {  // display width: UTF-8 continuation bytes do not count
    size_t n = 0;
    for (unsigned char ch : s) n += (ch & 0xC0) != 0x80;
    return n;
  };
  for (const auto& r : rows)
    for (size_t i = 0; i < r.size(); ++i) {
      if (width.size() <= i) width.push_back(0);
      width[i] = std::max(width[i], cells(r[i]));
    }
  for (const auto& r : rows) {
    std::string line;
    for (size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size()) line += std::string(width[i] - cells(r[i]) + 3, ' ');
    }
    std::printf("%s\n", line.c_str());
  }
}

}  // namespace

void add_ps_command(CLI::App& app, Context& ctx) {
  static bool all = false, quiet = false, no_trunc = false;
  auto* ps = app.add_subcommand("ps", "List containers (running ones unless -a)");
  ps->alias("ls");
  ps->add_flag("-a,--all", all, "Show all containers");
  ps->add_flag("-q,--quiet", quiet, "Only IDs");
  ps->add_flag("--no-trunc", no_trunc, "Do not truncate IDs and commands");
  ps->callback([&ctx] {
    auto& rt = ctx.rt();
    auto list = rt.store.list();
    if (!list) return ctx.report(list.error());
    std::vector<std::vector<std::string>> rows = {
        {"CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES"}};
    double now = now_seconds();
    for (auto it = list->rbegin(); it != list->rend(); ++it) {
      auto c = load_reconciled(rt, it->id);
      if (!c) continue;
      if (!all && !is_active(c->state.status)) continue;
      std::string id = no_trunc ? c->id : short_id(c->id);
      if (quiet) {
        std::printf("%s\n", id.c_str());
        continue;
      }
      auto created = parse_rfc3339(c->created);
      rows.push_back({id, c->config.image, command_text(*c, no_trunc ? 4096 : 20),
                      human_duration(created ? now - *created : 0) + " ago", status_text(*c, now),
                      ports_text(*c), c->name});
    }
    if (!quiet) print_table(rows);
  });
}

}  // namespace berth::runtime::cli
