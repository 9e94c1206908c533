#include "runtime/commands/context.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdio>

#include "core/log.h"

namespace berth::runtime::cli {

Runtime& Context::rt() {
  if (!rt_) {
    init_logging("berth");
    if (!log_level.empty()) spdlog::set_level(spdlog::level::from_str(log_level));
    std::string r = root;
    // Overlay and mount paths must be absolute.
    if (!r.empty() && r[0] != '/') {
      char cwd[4096];
      if (::getcwd(cwd, sizeof cwd)) r = std::string(cwd) + "/" + r;
    }
    while (r.size() > 1 && r.back() == '/') r.pop_back();
    rt_ = std::make_unique<Runtime>(r, [r] { return net::Networks(network_paths(r)); });
    // <root> and its store first, 0700, before any part makes a directory inside it
    // with a mode of its own (net.d/ is 0755). A failure here (no permission) is
    // reported by the verb that needs the store.
    (void)rt_->store.init();
  }
  return *rt_;
}

void Context::report(const Error& e, int status) {
  std::fprintf(stderr, "berth: %s\n", e.what().c_str());
  exit_code = status;
}

std::string Context::resolve(const std::string& ref, int status) {
  auto id = rt().store.resolve(ref);
  if (!id) {
    report(id.error(), status);
    return "";
  }
  return *id;
}

}  // namespace berth::runtime::cli
