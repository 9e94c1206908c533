// berth-none: a container with only `lo` (also serves as the `loopback` plugin).
#include "core/cni/skel.h"
#include "plugins/none/none.h"

int main(int argc, char** argv) {
  using namespace berth::none;
  berth::cni::Plugin plugin{"berth-none", cmd_add, cmd_del, cmd_check, {}, {}};
  return berth::cni::plugin_main(plugin, argc, argv);
}
