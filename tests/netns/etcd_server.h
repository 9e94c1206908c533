// A real etcd (Debian's etcd-server) for the netns tests: started inside the test's
// throwaway host namespace on loopback addresses there, data in the test's temporary
// directory, stopped (SIGTERM, then SIGKILL) by the destructor. One member, or several
// forming one cluster. etcdctl observes what berth wrote.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace berth::test {

struct EtcdTls {
  std::string ca, server_cert, server_key, client_cert, client_key;
};

// Makes a CA, a server certificate for 127.0.0.1 and a client certificate under `dir`
// (openssl), and returns their paths.
EtcdTls make_etcd_certs(const std::string& dir);

class EtcdCluster {
 public:
  // `members` members listening on `host` (an address of the test's host namespace),
  // client ports base_port, base_port+2, ... (peer ports +1). With `tls`, clients must
  // speak https and show a certificate the CA signed. Returns once every member answers.
  explicit EtcdCluster(int members = 1, int base_port = 23790, const EtcdTls* tls = nullptr,
                       std::string host = "127.0.0.1");
  ~EtcdCluster();
  EtcdCluster(const EtcdCluster&) = delete;
  EtcdCluster& operator=(const EtcdCluster&) = delete;

  [[nodiscard]] std::string endpoint(int member = 0) const;
  [[nodiscard]] std::vector<std::string> endpoints() const;
  [[nodiscard]] bool running(int member = 0) const { return pids_[member] > 0; }

  void stop(int member = 0);   // SIGTERM and wait
  void kill(int member = 0);   // SIGKILL and wait
  void start(int member = 0);  // again, on the same data; returns once it answers
  // SIGSTOP / SIGCONT: a hung member. Its kernel still accepts connections, but nothing
  // answers them.
  void freeze(int member);
  void thaw(int member);

  // etcdctl (API v3) against the running members with `args`; its stdout. `rc` gets its
  // exit status.
  std::string ctl(const std::string& args, int* rc = nullptr) const;
  // The same against member `m` alone (e.g. a serializable read of its own copy).
  std::string ctl_at(int member, const std::string& args, int* rc = nullptr) const;
  // The member that is raft leader now, as the running members report it; -1 if none.
  [[nodiscard]] int leader() const;
  // Every key under `prefix`.
  [[nodiscard]] std::vector<std::string> keys(const std::string& prefix) const;
  // The last `lines` lines of every member's log, each under a header: for a failure's
  // message.
  [[nodiscard]] std::string log_tails(int lines = 15) const;
  // The value of `key` ("" when absent).
  [[nodiscard]] std::string value(const std::string& key) const;

 private:
  void spawn(int member);
  void wait_ready(int member) const;
  [[nodiscard]] std::string ctl_flags(const std::string& endpoints) const;

  int members_;
  int base_port_;
  std::string host_;
  const EtcdTls* tls_;
  std::string dir_;
  std::vector<pid_t> pids_;
};

}  // namespace berth::test
