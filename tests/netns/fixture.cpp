#include "tests/netns/fixture.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <thread>
#include <vector>

namespace berth::test {
namespace {

std::string read_fd(int fd) {
  std::string s;
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) s.append(buf, size_t(n));
  return s;
}

[[noreturn]] void die(const std::string& what) {
  throw std::runtime_error(what + ": " + std::strerror(errno));
}

}  // namespace

std::string bin_dir() { return BERTH_TEST_BIN_DIR; }

std::string temp_dir() {
  static int counter = 0;
  std::string dir = "/tmp/berth-test/" + std::to_string(getpid()) + "-" + std::to_string(counter++);
  sh("mkdir -p " + dir);
  return dir;
}

std::string make_netns(const std::string& name) {
  static std::string base = temp_dir() + "/netns";
  mkdir(base.c_str(), 0755);
  std::string path = base + "/" + name;
  int fd = open(path.c_str(), O_CREAT | O_RDONLY | O_CLOEXEC, 0444);
  if (fd < 0) die("create " + path);
  close(fd);
  // A new thread unshares, so the calling thread never leaves the host namespace.
  std::string error;
  std::thread t([&] {
    if (unshare(CLONE_NEWNET) != 0) { error = std::string("unshare: ") + std::strerror(errno); return; }
    if (mount("/proc/thread-self/ns/net", path.c_str(), nullptr, MS_BIND, nullptr) != 0)
      error = std::string("bind netns: ") + std::strerror(errno);
  });
  t.join();
  if (!error.empty()) throw std::runtime_error(error);
  sh_in(path, "ip link set lo up");
  return path;
}

void delete_netns(const std::string& path) {
  umount2(path.c_str(), MNT_DETACH);
  unlink(path.c_str());
}

PluginRun run_plugin(const std::string& plugin, std::map<std::string, std::string> env,
                     const std::string& stdin_data) {
  if (!env.count("CNI_PATH")) env["CNI_PATH"] = bin_dir();
  std::vector<std::string> envs = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin"};
  // The sanitizer build's settings (scripts/test_sanitized.sh) must reach the plugins too.
  for (const char* name : {"BERTH_LOG_LEVEL", "ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"})
    if (const char* v = getenv(name)) envs.push_back(std::string(name) + "=" + v);
  for (const auto& [k, v] : env) envs.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& s : envs) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::string exe = plugin.find('/') == std::string::npos ? bin_dir() + "/" + plugin : plugin;

  int in[2], out[2], err[2];
  if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC)) die("pipe");
  pid_t pid = fork();
  if (pid == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    dup2(err[1], 2);
    char* argv[] = {exe.data(), nullptr};
    execve(exe.c_str(), argv, envp.data());
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  close(err[1]);
  std::thread writer([&] {
    (void)!write(in[1], stdin_data.data(), stdin_data.size());
    close(in[1]);
  });
  PluginRun r;
  std::thread err_reader([&] { r.err = read_fd(err[0]); });
  r.out = read_fd(out[0]);
  err_reader.join();
  writer.join();
  close(out[0]);
  close(err[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.json = nlohmann::json::parse(r.out, nullptr, false);
  if (r.json.is_discarded()) r.json = nullptr;
  return r;
}

std::string sh(const std::string& cmd, int* rc) {
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) die("popen");
  std::string s;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) s.append(buf.data(), n);
  int status = pclose(p);
  if (rc) *rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return s;
}

std::string sh_in(const std::string& netns_path, const std::string& cmd, int* rc) {
  std::string quoted;
  for (char c : cmd) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return sh("nsenter --net=" + netns_path + " sh -c '" + quoted + "'", rc);
}

void tcp_serve_once(const std::string& netns_path, int port, const std::string& reply) {
  // Replies, then prints the peer's address on the listener's stdout (discarded).
  std::string py = "import socket,sys\n"
                   "s=socket.socket(socket.AF_INET6 if ':' in sys.argv[1] else socket.AF_INET)\n"
                   "s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\n"
                   "s.bind((sys.argv[1],int(sys.argv[2])));s.listen();s.settimeout(30)\n"
                   "c,a=s.accept();c.sendall((sys.argv[3]+' '+a[0]).encode());c.close()\n";
  std::string file = temp_dir() + "/serve.py";
  FILE* f = fopen(file.c_str(), "w");
  fputs(py.c_str(), f);
  fclose(f);
  std::string any = "0.0.0.0";
  sh("nsenter --net=" + netns_path + " python3 " + file + " " + any + " " + std::to_string(port) + " " +
     reply + " >/dev/null 2>&1 &");
  // Wait until it listens (at most 10 s: python's start on a loaded machine, with the
  // sanitized suite beside it, has taken more than 3).
  for (int i = 0; i < 200; ++i) {
    if (!sh_in(netns_path, "ss -Htln sport = :" + std::to_string(port)).empty()) return;
    usleep(50000);
  }
}

std::string tcp_request(const std::string& netns_path, const std::string& host, int port) {
  std::string py = "import socket,sys\n"
                   "s=socket.create_connection((sys.argv[1],int(sys.argv[2])),8)\n"
                   "print(s.recv(200).decode())\n";
  std::string file = temp_dir() + "/request.py";
  FILE* f = fopen(file.c_str(), "w");
  fputs(py.c_str(), f);
  fclose(f);
  auto out = sh("nsenter --net=" + netns_path + " timeout 12 python3 " + file + " " + host + " " +
                std::to_string(port) + " 2>/dev/null");
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

}  // namespace berth::test
