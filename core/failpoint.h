// Failpoints: named places in ADD, DEL and GC, right after a step that changed the kernel
// or the disk, where a test can make the process die exactly as a SIGKILL from a crashing
// runtime would (no destructor, no rollback, no output). The crash tests walk them all
// and then check that DEL or GC still leaves nothing behind.
//
// Test builds (BERTH_FAILPOINTS, on with BERTH_BUILD_TESTS) read two variables once:
//   BERTH_FAILPOINT=NAME[:N]     die at the Nth time NAME is reached (default the 1st)
//   BERTH_FAILPOINT_TRACE=FILE   append the NAME of every failpoint reached, one per line,
//                                so a test learns the steps of a run without a list to
//                                keep in sync with the code.
// Other builds compile failpoint() to nothing.
#pragma once

namespace berth {

#ifdef BERTH_FAILPOINTS
void failpoint(const char* name);
#else
inline void failpoint(const char*) {}
#endif

}  // namespace berth
