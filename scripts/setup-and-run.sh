#!/usr/bin/env bash
# Sets up Berth on a fresh Debian 12 machine and runs a first container:
# installs the packages, builds, starts the stack at the system paths in the
# background (deploy/berth-up), imports a busybox image made locally and runs it.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
bash scripts/install-deps.sh
bash scripts/build.sh
eval "$(deploy/berth-up)"
berth=build/cli/berth
if ! "$berth" images | grep -q '^busybox '; then
  tar=$(mktemp --suffix=.tar)
  bash scripts/make-busybox-rootfs.sh "$tar"
  "$berth" import "$tar" busybox:latest
  rm -f "$tar"
fi
"$berth" run --rm busybox echo "hello from a Berth container"
echo
echo "Berth is running. Use it with:"
echo "  export BERTH_HOST=$BERTH_HOST DOCKER_HOST=$DOCKER_HOST"
echo "  $top/build/cli/berth run -it busybox sh      # or: docker run -it busybox sh"
echo "Stop it with: $top/deploy/berth-down"
