#!/usr/bin/env bash
# The whole test suite: set-up and build (scripts/setup.sh), then unit tests and the
# netns tests. The netns tests need root; each runs in its own throwaway network and
# mount namespace and never touches the host's network. Without root they are skipped.
# Then the same suite under ASan + UBSan (scripts/test_sanitized.sh) and every fuzz target
# for BERTH_FUZZ_SECONDS each (scripts/test_fuzz.sh); BERTH_QUICK=1 skips those two.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
(cd "${BERTH_BUILD_DIR:-build}" && ctest --output-on-failure -j"$(nproc)" --timeout 300 "$@")
if [[ ${BERTH_QUICK:-0} != 1 ]]; then
  bash scripts/test_sanitized.sh "$@"
  bash scripts/test_fuzz.sh
fi
