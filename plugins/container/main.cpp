// berth-container: a container joins another container's network namespace.
#include "core/cni/skel.h"
#include "plugins/container/container.h"

int main(int argc, char** argv) {
  using namespace berth::container;
  berth::cni::Plugin plugin{"berth-container", cmd_add, cmd_del, cmd_check, cmd_gc, {}};
  return berth::cni::plugin_main(plugin, argc, argv);
}
