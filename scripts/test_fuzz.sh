#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz) with clang-19 in build-fuzz and runs each for
# BERTH_FUZZ_SECONDS (default 60) from its checked-in seeds. A crash, a failed invariant,
# a leak, a timeout or running out of memory fails the run; the input that did it is
# left in build-fuzz/artifacts/. Run by scripts/test.sh (skip with BERTH_QUICK=1).
# BERTH_FUZZ_TARGETS="ip tar" runs only those. The tar target needs root.
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=${BERTH_FUZZ_BUILD_DIR:-build-fuzz}
seconds=${BERTH_FUZZ_SECONDS:-60}
# A fixed seed: CI then walks the same mutation sequence a developer's run of the same
# length walked, so what CI finds can be reproduced (BERTH_FUZZ_SEED=0: a random seed).
seed=${BERTH_FUZZ_SEED:-1}
start=$SECONDS
cmake -S . -B "$build_dir" -DCMAKE_CXX_COMPILER=clang++-19 -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" -DBERTH_FUZZ=ON \
  -DBERTH_BUILD_TESTS=OFF -DBERTH_BUILD_BENCH=OFF >/dev/null
cmake --build "$build_dir" -j"$(nproc)" --target berth_fuzzers
echo "fuzz build: $((SECONDS - start)) s"

targets=${BERTH_FUZZ_TARGETS:-$(ls tests/fuzz/corpus)}
work=$PWD/$build_dir/fuzz-work
artifacts=$PWD/$build_dir/artifacts
mkdir -p "$artifacts"
passed=0 failed=0
printf '%-14s %8s %12s  %s\n' target seconds executions result
for t in $targets; do
  exe=$build_dir/bin/fuzz_$t
  if [[ ! -x $exe ]]; then
    echo "fuzz_$t was not built" >&2
    failed=$((failed + 1))
    continue
  fi
  # New inputs go to a scratch corpus; the checked-in seeds are only read.
  rm -rf "${work:?}/$t"
  mkdir -p "$work/$t"
  log=$work/$t.log
  t0=$SECONDS
  status=0
  "$exe" -max_total_time="$seconds" -seed="$seed" -max_len=8192 -rss_limit_mb=2048 -timeout=25 \
    -print_final_stats=1 -artifact_prefix="$artifacts/$t-" "$work/$t" "tests/fuzz/corpus/$t" \
    >"$log" 2>&1 || status=$?
  execs=$(awk '/stat::number_of_executed_units/ {print $2}' "$log")
  if ((status == 0)); then
    passed=$((passed + 1))
    result=ok
  else
    failed=$((failed + 1))
    result="FAILED (exit $status), log $log"
    grep -E -A30 'ERROR: |invariant failed' "$log" | head -n 60 >&2 || tail -n 30 "$log" >&2
  fi
  printf '%-14s %8s %12s  %s\n' "$t" "$((SECONDS - t0))" "${execs:-?}" "$result"
done
echo "fuzz: $passed passed, $failed failed"
((failed == 0))
