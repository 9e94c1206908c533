// pause / unpause through the freezer (v1 freezer.state, v2 cgroup.freeze), and the thaw
// that stop, kill and rm -f need first: a frozen process cannot act on a signal.
#include "runtime/container/lifecycle.h"

namespace berth::runtime {

Result<> pause_container(Runtime& rt, const std::string& id) {
  auto lock = BERTH_TRY(rt.store.lock(id));
  auto c = BERTH_TRY(rt.store.load(id));
  BERTH_TRY(reconcile_locked(rt, c));
  if (c.state.status == Status::kPaused)
    return fail(Code::kInvalidConfig, "container `" + c.name + "` is already paused");
  if (c.state.status != Status::kRunning)
    return fail(Code::kInvalidConfig, "container `" + c.name + "` is not running");
  BERTH_TRY(Cgroup(rt.cgroups, id).freeze(true));
  c.state.status = Status::kPaused;
  return rt.store.save(c);
}

Result<> unpause_container(Runtime& rt, const std::string& id) {
  auto lock = BERTH_TRY(rt.store.lock(id));
  auto c = BERTH_TRY(rt.store.load(id));
  if (c.state.status != Status::kPaused)
    return fail(Code::kInvalidConfig, "container `" + c.name + "` is not paused");
  BERTH_TRY(Cgroup(rt.cgroups, id).freeze(false));
  c.state.status = Status::kRunning;
  return rt.store.save(c);
}

}  // namespace berth::runtime
