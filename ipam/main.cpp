// berth-ipam: host-local-compatible IPAM plugin. Thin: the handlers live in commands.cpp.
#include "core/cni/skel.h"
#include "ipam/commands.h"

int main(int argc, char** argv) {
  berth::cni::Plugin plugin{
      .name = "berth-ipam",
      .add = berth::ipam::cmd_add,
      .del = berth::ipam::cmd_del,
      .check = berth::ipam::cmd_check,
      .gc = berth::ipam::cmd_gc,
      .status = berth::ipam::cmd_status,
  };
  return berth::cni::plugin_main(plugin, argc, argv);
}
