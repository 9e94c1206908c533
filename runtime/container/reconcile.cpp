#include "runtime/container/clock.h"
#include "runtime/container/lifecycle.h"
#include "runtime/container/peers.h"
#include "runtime/process/proc.h"

namespace berth::runtime {
namespace {

bool stale(const Container& c) {
  return is_active(c.state.status) && !process_alive(c.state.monitor_pid, c.state.monitor_start) &&
         !process_alive(c.state.pid, c.state.pid_start);
}

}  // namespace

Result<bool> reconcile_locked(Runtime& rt, Container& c) {
  if (!stale(c)) return false;
  c.state.status = Status::kExited;
  c.state.pid = 0;
  c.state.pid_start = 0;
  c.state.exit_code = 255;
  c.state.error = "the container's monitor vanished; its exit status is unknown";
  if (c.state.finished_at.empty() || c.state.finished_at < c.state.started_at)
    c.state.finished_at = now_rfc3339();
  const auto left_networks = user_networks(c);
  auto torn = teardown(rt, c);
  if (!torn) c.state.error += "; " + torn.error().what();
  BERTH_TRY(rt.store.save(c));
  refresh_peer_hosts(rt, left_networks);
  return true;
}

Result<Container> load_reconciled(Runtime& rt, const std::string& id) {
  auto c = BERTH_TRY(rt.store.load(id));
  if (!stale(c)) return c;
  auto lock = BERTH_TRY(rt.store.lock(id));
  c = BERTH_TRY(rt.store.load(id));
  BERTH_TRY(reconcile_locked(rt, c));
  return c;
}

}  // namespace berth::runtime
