// berth-bridge: attaches containers to a Linux bridge on the host (CNI interface plugin).
#include "core/cni/skel.h"
#include "plugins/bridge/bridge.h"

int main(int argc, char** argv) {
  using namespace berth::bridge;
  berth::cni::Plugin plugin{"berth-bridge", cmd_add, cmd_del, cmd_check, cmd_gc, cmd_status};
  return berth::cni::plugin_main(plugin, argc, argv);
}
