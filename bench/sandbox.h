// The throwaway host the benchmark runs in: a private network + mount namespace with
// tmpfs over the plugins' state directories, and container namespaces bind-mounted on
// files inside it. Everything disappears when the benchmark process exits.
#pragma once

#include <string>

namespace berth::bench {

// unshare(NEWNET|NEWNS), "/" made rprivate, tmpfs over the state dirs, fresh sysfs, lo up.
// Returns an error message, or "" on success.
std::string become_throwaway_host();

// Creates a network namespace with lo up and bind-mounts it on `path` (a new file). The
// calling thread never leaves its namespace: a short-lived thread does the unshare.
// Returns an error message, or "" on success.
std::string make_netns(const std::string& path);

// The same namespace bound to no file: kept alive only by the descriptor stored in *fd
// (O_CLOEXEC). Returns an error message, or "" on success.
std::string make_unbound_netns(int* fd);

}  // namespace berth::bench
