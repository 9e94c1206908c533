// IPAM delegation: run the plugin named by `ipam.type`, found through CNI_PATH, with
// this process's environment (CNI_COMMAND set to `command`) and the exact stdin bytes
// the caller received. Its stderr goes to ours; its error is passed up unchanged.
#pragma once

#include <string>

#include "core/cni/skel.h"
#include "core/cni/types.h"
#include "core/error.h"

namespace berth::cni {

// A delegate that is linked into the calling binary: berth-bridge carries berth-ipam's
// handlers and runs them in-process, which saves an exec and a dynamic loader (about half
// of an ADD). It is only used when the plugin `type` is also found in CNI_PATH (so the
// lookup rules are the same) and BERTH_IPAM_EXEC is not set to 1.
void register_inprocess_delegate(const std::string& type, const Plugin& plugin);

// Finds `type` in the ':'-separated `cni_path`: the first directory holding an
// executable regular file of that name. Code 7 if `type` has a '/', code 104 if not found.
[[nodiscard]] Result<std::string> find_plugin(const std::string& type, const std::string& cni_path);

// ADD: returns the delegate's result (parsed in the request's version).
[[nodiscard]] Result<CniResult> delegate_add(const Request& req, const std::string& type);
// DEL, CHECK, GC, STATUS: success or the delegate's error.
[[nodiscard]] Result<> delegate_run(const Request& req, const std::string& type,
                                    const std::string& command);

}  // namespace berth::cni
