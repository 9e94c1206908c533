#include "runtime/network/exec.h"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/fd.h"

extern char** environ;

namespace berth::runtime::net {
namespace {

std::vector<std::string> plugin_env(const PluginCall& call) {
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e)
    if (std::strncmp(*e, "CNI_", 4) != 0) env.emplace_back(*e);
  env.push_back("CNI_COMMAND=" + call.command);
  env.push_back("CNI_CONTAINERID=" + call.container_id);
  env.push_back("CNI_NETNS=" + call.netns);
  env.push_back("CNI_IFNAME=" + call.ifname);
  env.push_back("CNI_ARGS=" + call.args);
  env.push_back("CNI_PATH=" + call.path);
  return env;
}

// posix_spawn with stdin and stdout redirected. A freshly built plugin binary may still be
// open for writing somewhere (ETXTBSY); libcni retries that, and so do we, briefly.
Result<pid_t> spawn(const std::string& exe, std::vector<std::string>& env, int in_fd, int out_fd) {
  std::vector<char*> envp;
  for (auto& s : env) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::string arg0 = exe;
  char* argv[] = {arg0.data(), nullptr};
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in_fd, 0);
  posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
  pid_t pid = 0;
  int err = 0;
  for (int attempt = 0; attempt < 5; ++attempt) {
    err = posix_spawn(&pid, exe.c_str(), &fa, nullptr, argv, envp.data());
    if (err != ETXTBSY) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  posix_spawn_file_actions_destroy(&fa);
  if (err != 0) return fail_errno(Code::kDelegate, "run plugin `" + exe + "`", err);
  return pid;
}

// Feeds `input` and collects stdout at the same time, so neither side can block the other
// whatever the sizes. stdin is a socket so that a plugin exiting early gives EPIPE on
// send(MSG_NOSIGNAL) instead of a SIGPIPE that would kill the runtime.
std::string pump(UniqueFd in_w, UniqueFd out_r, const std::string& input) {
  std::string out;
  size_t off = 0;
  if (input.empty()) in_w.reset();
  while (out_r.valid()) {
    pollfd fds[2] = {{out_r.get(), POLLIN, 0}, {in_w.valid() ? in_w.get() : -1, POLLOUT, 0}};
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[1].revents) {
      ssize_t n =
          send(in_w.get(), input.data() + off, input.size() - off, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) off += size_t(n);
      if ((n < 0 && errno != EAGAIN && errno != EINTR) || off == input.size()) in_w.reset();
    }
    if (fds[0].revents) {
      char buf[8192];
      ssize_t n = read(out_r.get(), buf, sizeof buf);
      if (n > 0)
        out.append(buf, size_t(n));
      else if (n == 0 || errno != EINTR)
        out_r.reset();
    }
  }
  return out;
}

Error plugin_error(const std::string& exe, int status, const std::string& out) {
  auto j = nlohmann::json::parse(out, nullptr, false);
  if (j.is_object() && j.contains("code") && j["code"].is_number_integer()) {
    Error e;
    e.code = static_cast<Code>(j["code"].get<int>());
    if (auto m = j.find("msg"); m != j.end() && m->is_string()) e.msg = *m;
    if (auto d = j.find("details"); d != j.end() && d->is_string()) e.details = *d;
    return e;
  }
  std::string how = WIFEXITED(status) ? "exited with status " + std::to_string(WEXITSTATUS(status))
                                      : "was killed by signal " + std::to_string(WTERMSIG(status));
  return Error{Code::kInternal, "plugin `" + exe + "` " + how,
               out.empty() ? "it printed no error result"
                           : "its output is no error result: " + out.substr(0, 200)};
}

}  // namespace

Result<std::string> exec_plugin(const std::string& exe, const PluginCall& call,
                                const std::string& input) {
  int sv[2], out[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
    return fail_errno(Code::kIo, "create plugin stdin", errno);
  UniqueFd in_r(sv[0]), in_w(sv[1]);
  if (pipe2(out, O_CLOEXEC) != 0) return fail_errno(Code::kIo, "create plugin stdout", errno);
  UniqueFd out_r(out[0]), out_w(out[1]);
  auto env = plugin_env(call);
  pid_t pid = BERTH_TRY(spawn(exe, env, in_r.get(), out_w.get()));
  in_r.reset();
  out_w.reset();
  std::string stdout_text = pump(std::move(in_w), std::move(out_r), input);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return stdout_text;
  return std::unexpected(plugin_error(exe, status, stdout_text));
}

}  // namespace berth::runtime::net
