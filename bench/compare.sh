#!/usr/bin/env bash
# Berth against Docker on this machine, side by side in one run.
#   bash bench/compare.sh [--rounds N] [--quick] [--only run_rm,http,...]
# Builds Berth (Release, build-release/), installs Debian's docker.io, wrk and
# docker-registry if missing (without starting any service), starts a private
# Berth stack and a private dockerd, runs every workload on both, interleaved,
# then stops both and removes what dockerd left (docker0, its iptables-nft
# tables, mounts, state). Writes bench/results/<date>-<host>.{md,json,svg} and
# copies them to bench/results/latest.*. Never run it while the tests run.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
[ "$(id -u)" = 0 ] || { echo "compare.sh: run as root" >&2; exit 2; }
if pgrep -x ctest >/dev/null; then
  echo "compare.sh: a ctest run is in progress; the bench must not run beside the tests" >&2
  exit 2
fi

missing=()
for cmd in dockerd:docker.io wrk:wrk docker-registry:docker-registry curl:curl; do
  command -v "${cmd%%:*}" >/dev/null || missing+=("${cmd#*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
  # Package scripts must not start dockerd/containerd: a policy-rc.d that
  # refuses every start, kept only for the install.
  guard=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    guard=/usr/sbin/policy-rc.d
    printf '#!/bin/sh\nexit 101\n' > "$guard"; chmod 755 "$guard"
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >&2
  [ -z "$guard" ] || rm -f "$guard"
fi

# Only what a stack runs (the tests are not built in Release).
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$top} CCACHE_NOHASHDIR=1
release="$top/build-release"
[ -f "$release/build.ninja" ] ||
  cmake -S "$top" -B "$release" -G Ninja -DCMAKE_BUILD_TYPE=Release >&2
ninja -C "$release" -j "${BERTH_JOBS:-2}" apid imaged netd runtimed berth-shim berth >&2
work=$(mktemp -d /tmp/bbench-work-XXXXXX)
trap 'rm -rf "$work"' EXIT
bash "$top/scripts/make-busybox-rootfs.sh" "$work/busybox.tar" >&2

mkdir -p "$top/bench/results"
stem="$top/bench/results/$(date -u +%Y-%m-%d)-$(hostname -s)"
python3 "$top/bench/compare/main.py" --top "$top" --bin-dir "$top/build-release" \
  --busybox-tar "$work/busybox.tar" --out "$stem" "$@"
for ext in md json svg; do cp "$stem.$ext" "$top/bench/results/latest.$ext"; done
echo "wrote $stem.{md,json,svg} and bench/results/latest.*" >&2
