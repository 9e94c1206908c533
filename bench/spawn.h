// Runs one plugin exactly as a runtime does: fork + exec with only the given environment,
// the config written to its stdin, stdout and stderr collected, then reaped with wait4().
#pragma once

#include <string>
#include <vector>

namespace berth::bench {

struct Exec {
  int exit_code = -1;  // 128 + signal when killed
  std::string out, err;
  double ms = 0;
  double cpu_ms = 0;  // user + system CPU of the process and the children it reaped        // wall
                      // clock, CLOCK_MONOTONIC from before fork() to after wait4()
  // ru_maxrss of wait4(): the peak of the process and of the children it reaped. A
  // fork()ed child starts out charged with the anonymous pages it shares with us (about
  // 1 MiB: the "spawn floor" of the report). fork() rather than vfork()/posix_spawn():
  // a CLONE_VM child is charged our whole high-water mark when it execs.
  long maxrss_kb = 0;
};

// `env` holds "KEY=value" strings. Never throws; a failed fork/exec shows as exit code
// 127 with the reason in `err`.
Exec spawn(const std::string& exe, const std::vector<std::string>& env,
           const std::string& stdin_data);
// The same with arguments: `args[0]` is the program's path. `inherit_fd` >= 0 is handed
// to the program as its fd 3 (a namespace it is given by descriptor, not by a file).
Exec spawn_argv(const std::vector<std::string>& args, const std::vector<std::string>& env,
                const std::string& stdin_data = {}, int inherit_fd = -1);

}  // namespace berth::bench
