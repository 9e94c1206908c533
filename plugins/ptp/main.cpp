// berth-ptp: a point-to-point veth link from a container to the host or to a peer container.
#include "core/cni/skel.h"
#include "plugins/ptp/ptp.h"

int main(int argc, char** argv) {
  using namespace berth::ptp;
  berth::cni::Plugin plugin{"berth-ptp", cmd_add, cmd_del, cmd_check, cmd_gc, cmd_status};
  return berth::cni::plugin_main(plugin, argc, argv);
}
