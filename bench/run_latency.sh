#!/usr/bin/env bash
# Times `run --rm busybox true` on a private Berth stack (and optionally on a
# Docker engine given by BENCH_DOCKER_HOST). Bounded: N runs per client.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
n=${1:-20}
[ "$n" -le 1000 ] || { echo "at most 1000 runs" >&2; exit 2; }
root=$(mktemp -d /tmp/bbench-XXXXXX)
trap '"$top/deploy/berth-down" --purge --root "$root" >/dev/null 2>&1; rm -rf "$root"' EXIT
eval "$("$top/deploy/berth-up" --root "$root")"
export DOCKER_CONFIG="$root/docker-config"
berth="$top/build/cli/berth"
bash "$top/scripts/make-busybox-rootfs.sh" "$root/busybox.tar"
"$berth" import "$root/busybox.tar" busybox:latest >/dev/null

time_runs() {
  local label=$1; shift
  local start end
  start=$(date +%s%N)
  for _ in $(seq "$n"); do "$@" >/dev/null; done
  end=$(date +%s%N)
  printf '%-28s %8.1f ms/run (%d runs)\n' "$label" "$(awk -v d=$((end - start)) -v n="$n" 'BEGIN {print d / 1e6 / n}')" "$n"
}

time_runs "berth run --rm true" "$berth" run --rm busybox true
time_runs "docker→berth run --rm true" timeout 30 docker run --rm busybox true
if [ -n "${BENCH_DOCKER_HOST:-}" ]; then
  DOCKER_HOST=$BENCH_DOCKER_HOST docker import "$root/busybox.tar" berth-bench-busybox:latest >/dev/null
  time_runs "docker→dockerd run --rm true" env DOCKER_HOST="$BENCH_DOCKER_HOST" docker run --rm berth-bench-busybox true
fi
for svc in imaged netd runtimed apid; do
  pid=$(cat "$root/run/$svc.pid")
  printf '%-10s RSS %6d KiB\n' "$svc" "$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")"
done
