// What every verb of the CLI shares: the global options, the runtime built from them on
// first use, and the one place that prints an error and picks the exit status.
#pragma once

#include <memory>
#include <string>

#include "core/error.h"
#include "runtime/container/runtime.h"

namespace CLI {
class App;
}

namespace berth::runtime::cli {

// Docker's CLI statuses: 125 when berth itself failed a run/create/exec/start, 1 for the
// other verbs' errors, 0 on success.
inline constexpr int kRuntimeFailure = 125;
inline constexpr int kCommandFailure = 1;

class Context {
 public:
  std::string root = "/var/lib/berth";
  std::string log_level;  // overrides BERTH_LOG_LEVEL when set
  int exit_code = 0;

  // The runtime for --root (created on first use, logging set up before).
  Runtime& rt();
  // "berth: <message>" on stderr; sets exit_code to `status`.
  void report(const Error& e, int status = kCommandFailure);
  // Resolves a container reference, reporting failure; "" when it failed.
  std::string resolve(const std::string& ref, int status = kCommandFailure);

 private:
  std::unique_ptr<Runtime> rt_;
};

// Each file under commands/ adds its verbs.
void add_run_commands(CLI::App& app, Context& ctx);         // run, create
void add_start_stop_commands(CLI::App& app, Context& ctx);  // start, stop, restart, kill
void add_rm_command(CLI::App& app, Context& ctx);
void add_ps_command(CLI::App& app, Context& ctx);
void add_inspect_commands(CLI::App& app, Context& ctx);  // inspect, port
void add_logs_command(CLI::App& app, Context& ctx);
void add_exec_command(CLI::App& app, Context& ctx);
void add_image_commands(CLI::App& app, Context& ctx);  // image import|ls|rm, images
void add_stats_command(CLI::App& app, Context& ctx);
void add_nsenter_command(CLI::App& app, Context& ctx);  // host tools in a container's namespaces
void add_volume_commands(CLI::App& app, Context& ctx);  // volume create|ls|inspect|rm|prune
void add_network_connect_commands(CLI::App& network, Context& ctx);  // network connect|disconnect
void add_diagnose_command(CLI::App& network, Context& ctx);           // network diagnose

}  // namespace berth::runtime::cli
