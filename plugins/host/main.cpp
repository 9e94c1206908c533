// berth-host: a container that shares the host's network stack.
#include "core/cni/skel.h"
#include "plugins/host/host.h"

int main(int argc, char** argv) {
  using namespace berth::host;
  berth::cni::Plugin plugin{"berth-host", cmd_add, cmd_del, cmd_check, {}, {}};
  return berth::cni::plugin_main(plugin, argc, argv);
}
