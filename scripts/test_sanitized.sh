#!/usr/bin/env bash
# The whole unit + netns suite again, built with AddressSanitizer + UndefinedBehaviorSanitizer
# (and LeakSanitizer) in build-asan. The plugins and the runtime the tests exec are
# sanitized too; a finding aborts the process, and any sanitizer report in the tests'
# output fails this script even when the test itself passed. Run by scripts/test.sh after
# the normal suite (skip with BERTH_QUICK=1); extra arguments go to ctest.
#
# Reports go to stderr, not to ASan's log_path: a container's init pivot_roots, after which
# ASan could not open a log file by path, and its attempt to die from there deadlocks a
# pid-namespace init (signals it does not handle are ignored for pid 1).
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=${BERTH_ASAN_BUILD_DIR:-build-asan}
start=$SECONDS
# -O1 -g1: compiles much faster than -O2 -g on CI's 2 cores; line tables suffice for the
# sanitizers' stack traces.
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DBERTH_SANITIZE=ON \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" \
  -DBERTH_FAST_START=OFF -DBERTH_BUILD_BENCH=OFF >/dev/null
cmake --build "$build_dir" -j"$(nproc)"
echo "sanitizer build: $((SECONDS - start)) s"

# halt and abort on the first finding, leaks included.
export ASAN_OPTIONS="halt_on_error=1:abort_on_error=1:detect_leaks=1:print_stacktrace=1"
export UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1"
export LSAN_OPTIONS="print_suppressions=0"

start=$SECONDS
status=0
(cd "$build_dir" && ctest --output-on-failure -j"$(nproc)" --timeout 300 "$@") || status=$?
echo "sanitizer suite: $((SECONDS - start)) s"

log=$build_dir/Testing/Temporary/LastTest.log
pattern='ERROR: (AddressSanitizer|LeakSanitizer)|runtime error: '
if grep -Eq "$pattern" "$log"; then
  echo "sanitizer findings in $log:" >&2
  grep -E -B2 -A40 "$pattern" "$log" | head -n 200 >&2
  exit 1
fi
echo "sanitizer findings: none"
exit "$status"
