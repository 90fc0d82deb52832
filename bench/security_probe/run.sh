#!/usr/bin/env bash
# The differential security probe: runs the same busybox container (plus the
# static secprobe when a C compiler with static libc is around) under Berth
# (a private stack, through the docker CLI) and under Debian's runc with an
# OCI config equivalent to Docker's defaults (oci_config.py), and prints what
# each lets the process do side by side (compare.py). The seccomp profile
# given to runc is the one Berth resolved for this container (read from the
# shim's config.json), so the seccomp rows compare how it is applied; how
# Berth's profile differs from Docker's is in docs/design/seccomp.md.
#
# usage: bench/security_probe/run.sh [OUT_DIR]     (root; about 10 s)
# Leaves berth.txt, runc.txt and diff.txt in OUT_DIR when given. Cleans up
# (runc delete, berth-down --purge, temp dir) on every exit.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
here="$top/bench/security_probe"
out=${1:-}
[ "$(id -u)" = 0 ] || { echo "security-probe: needs root (runc and the stack)" >&2; exit 1; }
command -v runc >/dev/null || { echo "security-probe: runc missing (scripts/install-deps.sh)" >&2; exit 1; }
export BERTH_BIN_DIR=${BERTH_BIN_DIR:-$top/build}

tmp=$(mktemp -d /tmp/bsp-XXXXXX)
runc_id="berth-probe-${tmp##*-}"
runc_root="$tmp/runc-state"
cleanup() {
  runc --root "$runc_root" delete -f "$runc_id" >/dev/null 2>&1 || true
  "$top/deploy/berth-down" --purge --root "$tmp/stack" >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT

# The image: busybox, report.sh and, when it builds, secprobe.
bash "$top/scripts/make-busybox-rootfs.sh" "$tmp/image.tar"
mkdir -p "$tmp/extra/usr/local/bin"
install -m 0755 "$here/report.sh" "$tmp/extra/usr/local/bin/report.sh"
if cc -static -O2 -o "$tmp/extra/usr/local/bin/secprobe" "$here/probe.c" 2>"$tmp/cc.err"; then
  :
else
  echo "security-probe: no static probe ($(head -n1 "$tmp/cc.err")); busybox checks only" >&2
fi
tar --numeric-owner --owner=0 --group=0 -C "$tmp/extra" -rf "$tmp/image.tar" ./usr/local

# The host's first disk, for the device cgroup row.
read -r disk_major disk_minor _ < <(awk 'NR > 2 && NF >= 4 { print $1, $2; exit }' /proc/partitions)
disk_env=(PROBE_DISK_MAJOR="${disk_major:-8}" PROBE_DISK_MINOR="${disk_minor:-0}")

# --- Berth ----------------------------------------------------------------
mkdir -p "$tmp/stack"
eval "$(timeout 60 "$top/deploy/berth-up" --root "$tmp/stack")"
export DOCKER_CONFIG="$tmp/docker-config"
timeout 60 docker import "$tmp/image.tar" berth-probe:latest >/dev/null
timeout 60 docker run --rm -e "${disk_env[0]}" -e "${disk_env[1]}" berth-probe:latest \
  sh /usr/local/bin/report.sh > "$tmp/berth.txt"
# The resolved default seccomp profile and RLIMIT_NOFILE Berth gave a container.
id=$(timeout 30 docker run -d berth-probe:latest sleep 30)
python3 - "$tmp/stack/lib/runtimed/containers/$id/config.json" "$tmp" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))["security"]
open(sys.argv[2] + "/seccomp.json", "w").write(c["seccomp_profile"])
nofile = [r for r in c["rlimits"] if r["name"] == "nofile"][0]["hard"]
open(sys.argv[2] + "/nofile", "w").write(str(nofile))
PY
timeout 30 docker rm -f "$id" >/dev/null

# --- runc -----------------------------------------------------------------
bundle="$tmp/bundle"
mkdir -p "$bundle/rootfs"
tar -C "$bundle/rootfs" -xf "$tmp/image.tar"
python3 "$here/oci_config.py" --bundle "$bundle" --hostname "$runc_id" \
  --seccomp "$tmp/seccomp.json" --nofile "$(cat "$tmp/nofile")" \
  --cgroups-path "/$runc_id" --env "${disk_env[0]}" --env "${disk_env[1]}" \
  -- sh /usr/local/bin/report.sh
timeout 60 runc --root "$runc_root" run --bundle "$bundle" "$runc_id" > "$tmp/runc.txt" </dev/null

python3 "$here/compare.py" berth "$tmp/berth.txt" runc "$tmp/runc.txt" | tee "$tmp/diff.txt"
if [ -n "$out" ]; then
  mkdir -p "$out"
  cp "$tmp/berth.txt" "$tmp/runc.txt" "$tmp/diff.txt" "$out/"
fi
