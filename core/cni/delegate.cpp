#include "core/cni/delegate.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <map>
#include <vector>

#include "core/fd.h"

extern char** environ;

namespace berth::cni {
namespace {

struct Output {
  int status = 0;
  std::string out;
};

// Spawns `exe` with environ + CNI_COMMAND=command, feeds `input`, collects stdout.
Result<Output> spawn(const std::string& exe, const std::string& command, const std::string& input) {
  std::vector<std::string> env_store;
  for (char** e = environ; *e; ++e)
    if (std::strncmp(*e, "CNI_COMMAND=", 12) != 0) env_store.emplace_back(*e);
  env_store.push_back("CNI_COMMAND=" + command);
  std::vector<char*> envp;
  for (auto& s : env_store) envp.push_back(s.data());
  envp.push_back(nullptr);

  int in[2], out[2];
  if (pipe2(in, O_CLOEXEC) != 0) return fail_errno(Code::kDelegate, "pipe", errno);
  UniqueFd in_r(in[0]), in_w(in[1]);
  if (pipe2(out, O_CLOEXEC) != 0) return fail_errno(Code::kDelegate, "pipe", errno);
  UniqueFd out_r(out[0]), out_w(out[1]);

  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in_r.get(), 0);
  posix_spawn_file_actions_adddup2(&fa, out_w.get(), 1);
  pid_t pid = 0;
  std::string arg0 = exe;
  char* argv[] = {arg0.data(), nullptr};
  int err = posix_spawn(&pid, exe.c_str(), &fa, nullptr, argv, envp.data());
  posix_spawn_file_actions_destroy(&fa);
  if (err != 0) return fail_errno(Code::kDelegate, "run IPAM plugin `" + exe + "`", err);
  in_r.reset();
  out_w.reset();
  // Config documents are small (far below the pipe buffer), so writing all of stdin
  // before reading stdout cannot deadlock; a broken pipe just means the child is done.
  size_t off = 0;
  while (off < input.size()) {
    ssize_t n = ::write(in_w.get(), input.data() + off, input.size() - off);
    if (n <= 0) break;
    off += size_t(n);
  }
  in_w.reset();
  Output o;
  char buf[8192];
  ssize_t n;
  while ((n = ::read(out_r.get(), buf, sizeof buf)) > 0) o.out.append(buf, size_t(n));
  while (waitpid(pid, &o.status, 0) < 0 && errno == EINTR) {}
  return o;
}

std::map<std::string, Plugin>& inprocess() {
  static std::map<std::string, Plugin> registry;
  return registry;
}

// The registered in-process delegate for `type`, or nullptr when it must be exec'd.
const Plugin* inprocess_for(const std::string& type) {
  auto it = inprocess().find(type);
  if (it == inprocess().end()) return nullptr;
  const char* force_exec = std::getenv("BERTH_IPAM_EXEC");
  if (force_exec && std::string(force_exec) == "1") return nullptr;
  return &it->second;
}

// The request as the delegate would see it: same env and stdin, command replaced.
Request with_command(const Request& req, const std::string& command) {
  Request r = req;
  r.env.command = command;
  return r;
}

Result<Output> run(const Request& req, const std::string& type, const std::string& command) {
  auto exe = BERTH_TRY(find_plugin(type, req.env.path));
  auto o = BERTH_TRY(spawn(exe, command, req.stdin_data));
  if (WIFEXITED(o.status) && WEXITSTATUS(o.status) == 0) return o;
  // Pass the delegate's own error up unchanged when it printed one.
  auto j = nlohmann::json::parse(o.out, nullptr, false);
  if (j.is_object() && j.contains("code") && j["code"].is_number_integer()) {
    Error e;
    e.code = static_cast<Code>(j["code"].get<int>());
    if (auto m = j.find("msg"); m != j.end() && m->is_string()) e.msg = m->get<std::string>();
    if (auto d = j.find("details"); d != j.end() && d->is_string()) e.details = d->get<std::string>();
    return std::unexpected(e);
  }
  std::string how = WIFEXITED(o.status) ? "exited with status " + std::to_string(WEXITSTATUS(o.status))
                                        : "was killed by signal " + std::to_string(WTERMSIG(o.status));
  return fail(Code::kDelegate, "IPAM plugin `" + type + "` failed", how + " without an error result");
}

}  // namespace

Result<std::string> find_plugin(const std::string& type, const std::string& cni_path) {
  if (type.empty() || type.find('/') != std::string::npos || type == "." || type == "..")
    return fail(Code::kInvalidConfig, "invalid plugin type `" + type + "`");
  size_t pos = 0;
  while (pos <= cni_path.size()) {
    size_t end = cni_path.find(':', pos);
    if (end == std::string::npos) end = cni_path.size();
    std::string dir = cni_path.substr(pos, end - pos);
    pos = end + 1;
    if (dir.empty()) continue;
    std::string exe = dir + "/" + type;
    struct stat st;
    if (stat(exe.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(exe.c_str(), X_OK) == 0)
      return exe;
  }
  return fail(Code::kDelegate, "failed to find plugin `" + type + "` in path",
              "CNI_PATH is `" + cni_path + "`");
}

void register_inprocess_delegate(const std::string& type, const Plugin& plugin) {
  inprocess()[type] = plugin;
}

Result<CniResult> delegate_add(const Request& req, const std::string& type) {
  if (const Plugin* p = inprocess_for(type)) {
    BERTH_TRY(find_plugin(type, req.env.path));
    return p->add(with_command(req, "ADD"));
  }
  auto o = BERTH_TRY(run(req, type, "ADD"));
  auto j = nlohmann::json::parse(o.out, nullptr, false);
  if (j.is_discarded())
    return fail(Code::kDelegate, "IPAM plugin `" + type + "` printed no valid JSON result");
  auto r = parse_result(j, req.version);
  if (!r) return std::unexpected(r.error().wrap("IPAM plugin `" + type + "` result"));
  return r;
}

Result<> delegate_run(const Request& req, const std::string& type, const std::string& command) {
  if (const Plugin* p = inprocess_for(type)) {
    BERTH_TRY(find_plugin(type, req.env.path));
    const auto& fn = command == "DEL" ? p->del : command == "CHECK" ? p->check : command == "GC" ? p->gc : p->status;
    if (!fn) return {};
    return fn(with_command(req, command));
  }
  BERTH_TRY(run(req, type, command));
  return {};
}

}  // namespace berth::cni
