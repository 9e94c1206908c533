#include "core/failpoint.h"

#ifdef BERTH_FAILPOINTS
#include <fcntl.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <map>
#include <string>

namespace berth {
namespace {

struct Plan {
  std::string target;  // empty: never die
  int nth = 1;
  std::string trace;   // empty: no trace
  std::map<std::string, int> hits;
};

Plan& plan() {
  static Plan p = [] {
    Plan q;
    if (const char* v = getenv("BERTH_FAILPOINT"); v && *v) {
      q.target = v;
      if (auto colon = q.target.rfind(':'); colon != std::string::npos) {
        q.nth = std::atoi(q.target.c_str() + colon + 1);
        q.target.resize(colon);
      }
    }
    if (const char* t = getenv("BERTH_FAILPOINT_TRACE"); t && *t) q.trace = t;
    return q;
  }();
  return p;
}

}  // namespace

void failpoint(const char* name) {
  Plan& p = plan();
  if (p.target.empty() && p.trace.empty()) return;
  if (!p.trace.empty()) {
    int fd = ::open(p.trace.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd >= 0) {
      std::string line = std::string(name) + "\n";
      (void)!::write(fd, line.data(), line.size());  // one write: lines never interleave
      ::close(fd);
    }
  }
  if (p.target == name && ++p.hits[name] == p.nth) ::kill(::getpid(), SIGKILL);
}

}  // namespace berth
#endif
