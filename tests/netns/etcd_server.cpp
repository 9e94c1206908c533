#include "tests/netns/etcd_server.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "tests/netns/fixture.h"

namespace berth::test {
namespace {

std::string scheme(const EtcdTls* tls) { return tls ? "https" : "http"; }

}  // namespace

EtcdTls make_etcd_certs(const std::string& dir) {
  EtcdTls t{dir + "/ca.pem", dir + "/server.pem", dir + "/server-key.pem", dir + "/client.pem",
            dir + "/client-key.pem"};
  int rc = 0;
  sh("cd " + dir +
         " && openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=berth-test-ca"
         " -keyout ca-key.pem -out ca.pem 2>/dev/null"
         " && printf 'subjectAltName=IP:127.0.0.1\\nextendedKeyUsage=serverAuth,clientAuth\\n' > ext.cnf"
         " && openssl req -newkey rsa:2048 -nodes -subj /CN=etcd -keyout server-key.pem -out server.csr 2>/dev/null"
         " && openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 2"
         " -extfile ext.cnf -out server.pem 2>/dev/null"
         " && openssl req -newkey rsa:2048 -nodes -subj /CN=berth -keyout client-key.pem -out client.csr 2>/dev/null"
         " && openssl x509 -req -in client.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 2"
         " -extfile ext.cnf -out client.pem 2>/dev/null",
     &rc);
  if (rc != 0) throw std::runtime_error("openssl could not make the test certificates");
  return t;
}

EtcdCluster::EtcdCluster(int members, int base_port, const EtcdTls* tls, std::string host)
    : members_(members), base_port_(base_port), host_(std::move(host)), tls_(tls), dir_(temp_dir()), pids_(members, -1) {
  for (int m = 0; m < members_; ++m) spawn(m);
  for (int m = 0; m < members_; ++m) wait_ready(m);
}

EtcdCluster::~EtcdCluster() {
  for (int m = 0; m < members_; ++m) kill(m);
}

std::string EtcdCluster::endpoint(int m) const {
  return scheme(tls_) + "://" + host_ + ":" + std::to_string(base_port_ + 2 * m);
}

std::vector<std::string> EtcdCluster::endpoints() const {
  std::vector<std::string> out;
  for (int m = 0; m < members_; ++m) out.push_back(endpoint(m));
  return out;
}

void EtcdCluster::spawn(int m) {
  auto peer = [&](int i) { return "http://" + host_ + ":" + std::to_string(base_port_ + 2 * i + 1); };
  std::string initial;
  for (int i = 0; i < members_; ++i) initial += (i ? "," : "") + ("m" + std::to_string(i)) + "=" + peer(i);
  std::vector<std::string> args = {"/usr/bin/etcd",
                                   "--name=m" + std::to_string(m),
                                   "--data-dir=" + dir_ + "/m" + std::to_string(m),
                                   "--listen-client-urls=" + endpoint(m),
                                   "--advertise-client-urls=" + endpoint(m),
                                   "--listen-peer-urls=" + peer(m),
                                   "--initial-advertise-peer-urls=" + peer(m),
                                   "--initial-cluster=" + initial,
                                   "--initial-cluster-state=new",
                                   "--initial-cluster-token=berth-test",
                                   "--heartbeat-interval=50",
                                   "--election-timeout=500",
                                   "--logger=zap",
                                   "--log-level=warn"};
  if (tls_) {
    args.push_back("--cert-file=" + tls_->server_cert);
    args.push_back("--key-file=" + tls_->server_key);
    args.push_back("--trusted-ca-file=" + tls_->ca);
    args.push_back("--client-cert-auth");
  }
  const std::string log = dir_ + "/m" + std::to_string(m) + ".log";
  pid_t pid = fork();
  if (pid == 0) {
    int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
    }
    int null = open("/dev/null", O_RDONLY);
    if (null >= 0) dup2(null, 0);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  pids_[m] = pid;
}

void EtcdCluster::wait_ready(int m) const {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  std::string flags = "--endpoints=" + endpoint(m) + " --command-timeout=1s";
  if (tls_) flags += " --cacert=" + tls_->ca + " --cert=" + tls_->client_cert + " --key=" + tls_->client_key;
  while (std::chrono::steady_clock::now() < deadline) {
    int rc = 1;
    sh("ETCDCTL_API=3 etcdctl " + flags + " endpoint health >/dev/null 2>&1", &rc);
    if (rc == 0) return;
    int status = 0;
    if (waitpid(pids_[m], &status, WNOHANG) == pids_[m])
      throw std::runtime_error("etcd member " + std::to_string(m) + " exited: " + sh("tail -5 " + dir_ + "/m" + std::to_string(m) + ".log"));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  throw std::runtime_error("etcd member " + std::to_string(m) + " did not become healthy in 20 s");
}

void EtcdCluster::stop(int m) {
  if (pids_[m] <= 0) return;
  ::kill(pids_[m], SIGTERM);
  for (int i = 0; i < 100; ++i) {
    if (waitpid(pids_[m], nullptr, WNOHANG) == pids_[m]) {
      pids_[m] = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  kill(m);
}

void EtcdCluster::kill(int m) {
  if (pids_[m] <= 0) return;
  ::kill(pids_[m], SIGKILL);
  waitpid(pids_[m], nullptr, 0);
  pids_[m] = -1;
}

void EtcdCluster::freeze(int m) {
  if (pids_[m] > 0) ::kill(pids_[m], SIGSTOP);
}

void EtcdCluster::thaw(int m) {
  if (pids_[m] > 0) ::kill(pids_[m], SIGCONT);
}

void EtcdCluster::start(int m) {
  if (pids_[m] > 0) return;
  spawn(m);
  wait_ready(m);
}

std::string EtcdCluster::ctl_flags(const std::string& endpoints) const {
  std::string flags = "--endpoints=" + endpoints + " --command-timeout=3s";
  if (tls_) flags += " --cacert=" + tls_->ca + " --cert=" + tls_->client_cert + " --key=" + tls_->client_key;
  return flags;
}

std::string EtcdCluster::ctl(const std::string& args, int* rc) const {
  std::string eps;
  for (int m = 0; m < members_; ++m)
    if (pids_[m] > 0) eps += (eps.empty() ? "" : ",") + endpoint(m);
  return sh("ETCDCTL_API=3 etcdctl " + ctl_flags(eps) + " " + args, rc);
}

std::string EtcdCluster::ctl_at(int m, const std::string& args, int* rc) const {
  return sh("ETCDCTL_API=3 etcdctl " + ctl_flags(endpoint(m)) + " " + args, rc);
}

int EtcdCluster::leader() const {
  // [{"Endpoint": URL, "Status": {"header": {"member_id": ID}, "leader": ID}}, ...]
  auto j = nlohmann::json::parse(ctl("endpoint status -w json 2>/dev/null"), nullptr, false);
  if (!j.is_array()) return -1;
  for (const auto& e : j) {
    const auto& st = e.value("Status", nlohmann::json::object());
    if (!st.contains("leader") || st.value("header", nlohmann::json::object()).value("member_id", 0ull) !=
                                      st["leader"].get<unsigned long long>())
      continue;
    for (int m = 0; m < members_; ++m)
      if (e.value("Endpoint", "") == endpoint(m)) return m;
  }
  return -1;
}

std::vector<std::string> EtcdCluster::keys(const std::string& prefix) const {
  std::istringstream in(ctl("get --prefix --keys-only '" + prefix + "'"));
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(line);
  return out;
}

std::string EtcdCluster::log_tails(int lines) const {
  std::string out;
  for (int m = 0; m < members_; ++m)
    out += "--- etcd m" + std::to_string(m) + (pids_[m] > 0 ? "" : " (not running)") + ":\n" +
           sh("tail -" + std::to_string(lines) + " " + dir_ + "/m" + std::to_string(m) + ".log");
  return out;
}

std::string EtcdCluster::value(const std::string& key) const {
  auto v = ctl("get --print-value-only '" + key + "'");
  while (!v.empty() && v.back() == '\n') v.pop_back();
  return v;
}

}  // namespace berth::test
