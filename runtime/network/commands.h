// `berth network create|ls|inspect|rm|prune`: the verbs of the network side, added to the
// `network` subcommand the container side creates (it adds connect/disconnect itself).
#pragma once

#include <functional>

#include <CLI/CLI.hpp>

#include "runtime/network/network.h"

namespace berth::runtime::net {

// Each verb builds its Networks through `make_networks` when it runs (so `--root` and
// other global options are already parsed). Errors go to stderr as "Error: ..." and end
// the command with CLI::RuntimeError(1), which CLI11's exit() turns into exit status 1.
void add_network_commands(CLI::App& network_cmd, std::function<Networks()> make_networks);

}  // namespace berth::runtime::net
