#!/usr/bin/env bash
# The cost of runtimed's per-container metrics: with N running containers
# (default 100, at most 300) on a private stack, times S scrapes of runtimed's
# /metrics (default 20) and reports the median and worst scrape time and the
# exposition size. Bounded: N containers, S scrapes, each scrape capped at 10 s.
# BERTH_BIN_DIR picks the build (default build/; build-release/ for figures).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
n=${1:-100}
scrapes=${2:-20}
[ "$n" -le 300 ] || { echo "at most 300 containers" >&2; exit 2; }
[ "$scrapes" -le 200 ] || { echo "at most 200 scrapes" >&2; exit 2; }
root=$(mktemp -d /tmp/bscrape-XXXXXX)
trap '"$top/deploy/berth-down" --purge --root "$root" >/dev/null 2>&1; rm -rf "$root"' EXIT
eval "$("$top/deploy/berth-up" --root "$root")"
bin=${BERTH_BIN_DIR:-$top/build}
berth="$bin/cli/berth"
[ -x "$berth" ] || berth="$top/build/cli/berth"
bash "$top/scripts/make-busybox-rootfs.sh" "$root/busybox.tar"
"$berth" import "$root/busybox.tar" busybox:latest >/dev/null
for i in $(seq "$n"); do "$berth" run -d --name "scrape-$i" busybox sleep 3600 >/dev/null; done
url="http://$(cat "$root/run/runtimed.metrics")/metrics"
curl -sf --max-time 10 "$url" -o "$root/metrics.txt"
series=$(grep -c '^container_cpu_usage_seconds_total{' "$root/metrics.txt" || true)
times=()
for _ in $(seq "$scrapes"); do
  t=$(curl -sf --max-time 10 -o /dev/null -w '%{time_total}' "$url")
  times+=("$t")
done
printf '%s\n' "${times[@]}" | sort -n | awk -v n="$n" -v s="$series" -v bytes="$(wc -c < "$root/metrics.txt")" '
  {t[NR] = $1}
  END {
    printf "runtimed /metrics with %d running containers (%d with CPU series): %d bytes\n", n, s, bytes
    printf "scrape: median %.1f ms, worst %.1f ms over %d scrapes\n", t[int((NR + 1) / 2)] * 1000, t[NR] * 1000, NR
  }'
