#!/usr/bin/env bash
# Runs Berth's whole test suite: installs what is missing, builds, then ctest
# (unit, integration and e2e tests; the root-only ones skip when not root).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
bash scripts/install-deps.sh
bash scripts/build.sh
build=${BERTH_BUILD_DIR:-$top/build}
# e2e stacks are isolated from each other (own dirs, bridges, subnets, tables),
# so two run at once on the two cores.
ctest --test-dir "$build" --output-on-failure -j "${BERTH_TEST_JOBS:-2}" --timeout 300
