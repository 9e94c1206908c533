// berth-bridge: attaches containers to a Linux bridge on the host (CNI interface plugin).
#include "core/cni/delegate.h"
#include "core/cni/skel.h"
#include "ipam/commands.h"
#include "plugins/bridge/bridge.h"

int main(int argc, char** argv) {
  using namespace berth::bridge;
  // berth-ipam's own code, run in-process instead of exec'd (see delegate.h).
  berth::cni::register_inprocess_delegate(
      "berth-ipam", {"berth-ipam", berth::ipam::cmd_add, berth::ipam::cmd_del, berth::ipam::cmd_check,
                     berth::ipam::cmd_gc, berth::ipam::cmd_status});
  berth::cni::Plugin plugin{"berth-bridge", cmd_add, cmd_del, cmd_check, cmd_gc, cmd_status};
  return berth::cni::plugin_main(plugin, argc, argv);
}
