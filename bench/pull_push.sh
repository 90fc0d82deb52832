#!/usr/bin/env bash
# Pull and push throughput of a ~100 MB image (busybox + 4 layers of 25 MB of
# random bytes) between a private Berth stack and Debian's docker-registry on
# 127.0.0.1, through the docker CLI. Bounded: N rounds (default 3, at most
# 20); each round pushes to a fresh repository (every blob uploaded: the
# pushed image is a loaded one, without RepoDigests, so nothing is mounted)
# and pulls after removing every local image (every layer downloaded). Prints
# MB/s per round and the median. BERTH_BUILD_DIR picks the binaries
# (default build/; a Release build gives the figures worth recording).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
rounds=${1:-3}
[ "$rounds" -ge 1 ] && [ "$rounds" -le 20 ] || { echo "rounds: 1..20" >&2; exit 2; }
command -v docker-registry >/dev/null || { echo "needs Debian's docker-registry" >&2; exit 2; }
build=${BERTH_BUILD_DIR:-$top/build}
root=$(mktemp -d /tmp/bpull-XXXXXX)
registry_pid=
cleanup() {
  [ -n "$registry_pid" ] && kill "$registry_pid" 2>/dev/null || true
  "$top/deploy/berth-down" --purge --root "$root" >/dev/null 2>&1 || true
  rm -rf "$root"
}
trap cleanup EXIT
trap 'exit 130' INT TERM  # an interrupted run cleans up too
eval "$(BERTH_BIN_DIR=$build "$top/deploy/berth-up" --root "$root")"
export DOCKER_CONFIG="$root/docker-config"
bash "$top/scripts/make-busybox-rootfs.sh" "$root/busybox.tar" >/dev/null
docker import "$root/busybox.tar" busybox:latest >/dev/null

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
registry=127.0.0.1:$port
mkdir -p "$root/registry/data"
printf 'version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: %s\n' \
  "$root/registry/data" "$registry" > "$root/registry/config.yml"
docker-registry serve "$root/registry/config.yml" > "$root/registry/log" 2>&1 &
registry_pid=$!
for _ in $(seq 100); do curl -fsS "http://$registry/v2/" >/dev/null 2>&1 && break; sleep 0.1; done

mkdir -p "$root/ctx"
printf '%s\n' 'FROM busybox' \
  'RUN head -c 25000000 /dev/urandom > /r1' 'RUN head -c 25000000 /dev/urandom > /r2' \
  'RUN head -c 25000000 /dev/urandom > /r3' 'RUN head -c 25000000 /dev/urandom > /r4' \
  > "$root/ctx/Dockerfile"
docker build -q -t bench/big:1 "$root/ctx" >/dev/null
docker save -o "$root/big.tar" bench/big:1
mb=$(wc -c < "$root/big.tar" | awk '{printf "%.1f", $1 / 1e6}')
echo "image: $mb MB in 5 layers; registry $registry; binaries $build"

ms() { echo $(($(date +%s%N) / 1000000)); }  # (awk's %d overflows on these)
push_rates=() pull_rates=()
for r in $(seq "$rounds"); do
  ref=$registry/bench/big$r:1
  docker tag bench/big:1 "$ref"
  t0=$(ms); docker push "$ref" >/dev/null; t1=$(ms)
  docker rmi -f "$ref" bench/big:1 >/dev/null
  docker image prune -a -f >/dev/null  # busybox too: every layer is pulled
  t2=$(ms); docker pull "$ref" >/dev/null; t3=$(ms)
  # Back to the saved image, which has no RepoDigests: the next round's push
  # then uploads every blob instead of mounting it from this repository.
  docker rmi -f "$ref" >/dev/null
  docker image prune -a -f >/dev/null
  docker load -q -i "$root/big.tar" >/dev/null
  push=$(awk -v mb="$mb" -v ms=$((t1 - t0)) 'BEGIN {printf "%.1f", mb / (ms / 1000)}')
  pull=$(awk -v mb="$mb" -v ms=$((t3 - t2)) 'BEGIN {printf "%.1f", mb / (ms / 1000)}')
  push_rates+=("$push") pull_rates+=("$pull")
  printf 'round %d: push %6d ms %7s MB/s   pull %6d ms %7s MB/s\n' "$r" $((t1 - t0)) "$push" $((t3 - t2)) "$pull"
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR + 1) / 2)]}'; }
echo "median: push $(median "${push_rates[@]}") MB/s, pull $(median "${pull_rates[@]}") MB/s"
