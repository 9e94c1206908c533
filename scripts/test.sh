#!/usr/bin/env bash
# The whole test suite: set-up and build (scripts/setup.sh), then unit tests and the
# netns tests. The netns tests need root; each runs in its own throwaway network and
# mount namespace and never touches the host's network. Without root they are skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cd "${BERTH_BUILD_DIR:-build}"
ctest --output-on-failure -j"$(nproc)" --timeout 300 "$@"
