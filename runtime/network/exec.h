// Running one CNI plugin binary as libcni does: the runtime's environment without its own
// CNI_* variables plus the six of this call, the request on stdin, stdout collected, the
// plugin's stderr passed through to ours. The plugin runs in the caller's (host) netns.
#pragma once

#include <functional>
#include <string>

#include "core/error.h"

namespace berth::runtime::net {

struct PluginCall {
  std::string command;                                  // ADD, DEL, CHECK, GC, STATUS, VERSION
  std::string container_id, netns, ifname, args, path;  // CNI_*; "" where they do not apply
};

// Runs `exe`. Exit 0: its stdout. Otherwise the error it printed on stdout (its code, msg
// and details), or code 999 naming the exit status when it printed none. A binary that
// cannot be started is code 104.
[[nodiscard]] Result<std::string> exec_plugin(const std::string& exe, const PluginCall& call,
                                              const std::string& input);

// The seam the engine execs through; unit tests replace it with a fake.
using ExecFn = std::function<Result<std::string>(const std::string& exe, const PluginCall& call,
                                                 const std::string& input)>;

}  // namespace berth::runtime::net
