#!/usr/bin/env bash
# Configures and builds Berth into ./build (Debug, Ninja, ccache).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
# Let ccache share hits between checkouts in different folders (CI clones
# elsewhere): paths inside the checkout are hashed relative to its top.
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$top}
export CCACHE_NOHASHDIR=1
build=${BERTH_BUILD_DIR:-$top/build}
if [ ! -f "$build/build.ninja" ]; then
  cmake -S "$top" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=${BERTH_BUILD_TYPE:-Debug}
fi
ninja -C "$build" -j "${BERTH_JOBS:-2}"
