#!/usr/bin/env bash
# The whole unit + netns suite again, built with AddressSanitizer + UndefinedBehaviorSanitizer
# (and LeakSanitizer) in build-asan. The plugins the tests exec are sanitized too. Every
# sanitized process writes its report under build-asan/sanitizer-reports/, so a finding in
# a plugin that a test expected to fail still fails this script. Run by scripts/test.sh
# after the normal suite (skip with BERTH_QUICK=1); extra arguments go to ctest.
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

reports=$PWD/$build_dir/sanitizer-reports
rm -rf "$reports"
mkdir -p "$reports"
# halt and abort on the first finding, leaks included. log_path makes each process write
# its report to <prefix>.<pid> instead of stderr, which a test may have swallowed.
export ASAN_OPTIONS="halt_on_error=1:abort_on_error=1:detect_leaks=1:print_stacktrace=1:log_path=$reports/asan"
export UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1:log_path=$reports/ubsan"
export LSAN_OPTIONS="print_suppressions=0"

start=$SECONDS
status=0
(cd "$build_dir" && ctest --output-on-failure -j"$(nproc)" --timeout 300 "$@") || status=$?
echo "sanitizer suite: $((SECONDS - start)) s"

shopt -s nullglob
found=("$reports"/*)
if ((${#found[@]})); then
  echo "sanitizer findings: ${#found[@]} report(s)" >&2
  for f in "${found[@]}"; do
    echo "==== $f" >&2
    head -n 60 "$f" >&2
  done
  exit 1
fi
echo "sanitizer findings: none"
exit "$status"
