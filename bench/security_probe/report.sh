#!/bin/sh
# Runs inside the container (busybox sh) under each runtime and prints what the
# process is allowed, in sections ("== name") that compare.py sets side by
# side. Only what is the same on any host for the same confinement is printed:
# no ids, inode numbers, dates or overlay paths. Read-only: it writes nothing
# outside /tmp, so a runtime that confined nothing would still not be hurt.

masked_and_ro="/proc/asound /proc/acpi /proc/interrupts /proc/kcore /proc/keys
/proc/latency_stats /proc/timer_list /proc/timer_stats /proc/sched_debug /proc/scsi
/sys/firmware /sys/devices/virtual/powercap /proc/bus /proc/fs /proc/irq /proc/sys
/proc/sysrq-trigger"

# "<mount point> <per-mount options> <fstype> <super options>", sources and
# overlay layer paths left out (they name each runtime's own directories).
mounts() {
  awk '{
    for (i = 7; $i != "-"; i++) {}
    fstype = $(i + 1); super = $(i + 3)
    # The root filesystem is up to each runtime (overlay, a bind
    # of a bundle directory): only its flags compare.
    if ($5 == "/") { fstype = "(rootfs)"; super = "" }
    gsub(/,?(size|nr_inodes)=[0-9]+k?/, "", super)
    print $5, $6, fstype, super
  }' /proc/self/mountinfo | sort
}

echo "== capabilities"
grep -E '^Cap(Inh|Prm|Eff|Bnd|Amb):' /proc/self/status

echo "== seccomp and no_new_privs"
grep -E '^(Seccomp|NoNewPrivs):' /proc/self/status

echo "== masked and read-only paths"
table=$(mounts)
for p in $masked_and_ro; do
  if [ ! -e "$p" ]; then
    state=absent
  elif [ -d "$p" ]; then
    state="dir entries=$(ls -A "$p" 2>/dev/null | wc -l)"
  else
    state="file bytes=$(head -c 4096 "$p" 2>/dev/null | wc -c)"
  fi
  mount=$(echo "$table" | awk -v p="$p" '$1 == p { print $2, $3 }')
  echo "$p: $state mount=${mount:-none}"
done

echo "== mounts"
echo "$table"

echo "== devices"
for f in /dev/* /dev/pts/*; do
  [ -e "$f" ] || [ -L "$f" ] || continue
  if [ -L "$f" ]; then
    echo "$f -> $(readlink "$f")"
  else
    stat -c '%n %F %a %t:%T' "$f"
  fi
done

echo "== rlimits"
ulimit -a

echo "== cgroup namespace"
# "0::/" style paths when the container has its own cgroup namespace.
sed 's/^[0-9]*://' /proc/self/cgroup | sort

echo "== user"
id

if [ -x /usr/local/bin/secprobe ]; then
  echo "== privileged operations"
  for op in mount unshare_user unshare_mount add_key keyctl init_module finit_module clock_settime; do
    /usr/local/bin/secprobe "$op"
  done
  # A block node of the host's first disk, made here; opening it is the
  # device cgroup's call (mknod itself is allowed by CAP_MKNOD).
  if mknod /tmp/probe-disk b "${PROBE_DISK_MAJOR:-8}" "${PROBE_DISK_MINOR:-0}" 2>/dev/null; then
    /usr/local/bin/secprobe read /tmp/probe-disk | sed 's/^/disk /'
  else
    echo "disk mknod refused"
  fi
fi
