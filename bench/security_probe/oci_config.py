#!/usr/bin/env python3
"""Writes an OCI runtime config.json for runc that gives a container what
`docker run` gives it by default on this kind of host (Docker Engine 25-27
defaults, written from its documented behaviour): the 14 default
capabilities in the bounding, effective and permitted sets (none inheritable
or ambient), the default masked and read-only paths, the standard /dev, /proc,
/sys, /sys/fs/cgroup, /dev/mqueue and /dev/shm mounts, the device allow-list,
RLIMIT_NOFILE, and a seccomp profile (Docker's JSON without includes/excludes
has the same fields as the OCI seccomp object).

usage: oci_config.py --bundle DIR --hostname NAME [--seccomp FILE]
                     [--cgroups-path PATH] [--nofile N] [--env K=V ...] -- ARGS...
"""
import argparse
import json
import os

DEFAULT_CAPS = [
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD",
    "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
    "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
]

MASKED = [
    "/proc/asound", "/proc/acpi", "/proc/interrupts", "/proc/kcore", "/proc/keys",
    "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
    "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap",
]
READONLY = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]


def device(kind, major, minor, access="rwm"):
    return {"allow": True, "type": kind, "major": major, "minor": minor, "access": access}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--bundle", required=True)
    p.add_argument("--hostname", required=True)
    p.add_argument("--seccomp")
    p.add_argument("--cgroups-path")
    p.add_argument("--nofile", type=int, default=1048576)
    p.add_argument("--env", action="append", default=[])
    p.add_argument("args", nargs="+")
    a = p.parse_args()

    bundle = os.path.abspath(a.bundle)
    # The three files Docker bind-mounts from the container's own directory.
    for name, text in [("hostname", a.hostname + "\n"),
                       ("hosts", "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"),
                       ("resolv.conf", "nameserver 127.0.0.1\n")]:
        with open(os.path.join(bundle, name), "w") as f:
            f.write(text)

    # cgroup v1 hosts: Docker's default cgroupns mode is "host"; on v2 it is
    # "private".
    cgroup_v2 = os.path.exists("/sys/fs/cgroup/cgroup.controllers")
    namespaces = [{"type": t} for t in ("pid", "network", "ipc", "uts", "mount")]
    if cgroup_v2:
        namespaces.append({"type": "cgroup"})

    def bind(name, target):
        return {"destination": target, "type": "bind", "source": os.path.join(bundle, name),
                "options": ["rbind", "rprivate"]}

    config = {
        "ociVersion": "1.0.2",
        "process": {
            "terminal": False,
            "user": {"uid": 0, "gid": 0},
            "args": a.args,
            "env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                    "HOSTNAME=" + a.hostname] + a.env,
            "cwd": "/",
            "capabilities": {"bounding": DEFAULT_CAPS, "effective": DEFAULT_CAPS,
                             "permitted": DEFAULT_CAPS},
            "rlimits": [{"type": "RLIMIT_NOFILE", "hard": a.nofile, "soft": a.nofile}],
            "noNewPrivileges": False,
            "oomScoreAdj": 0,
        },
        "root": {"path": "rootfs", "readonly": False},
        "hostname": a.hostname,
        "mounts": [
            {"destination": "/proc", "type": "proc", "source": "proc",
             "options": ["nosuid", "noexec", "nodev"]},
            {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
             "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
            {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
             "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
            {"destination": "/sys", "type": "sysfs", "source": "sysfs",
             "options": ["nosuid", "noexec", "nodev", "ro"]},
            {"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup",
             "options": ["ro", "nosuid", "noexec", "nodev"]},
            {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue",
             "options": ["nosuid", "noexec", "nodev"]},
            {"destination": "/dev/shm", "type": "tmpfs", "source": "shm",
             "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=67108864"]},
            bind("resolv.conf", "/etc/resolv.conf"),
            bind("hostname", "/etc/hostname"),
            bind("hosts", "/etc/hosts"),
        ],
        "linux": {
            "namespaces": namespaces,
            "maskedPaths": MASKED,
            "readonlyPaths": READONLY,
            "resources": {
                "devices": [
                    {"allow": False, "access": "rwm"},
                    device("c", None, None, "m"), device("b", None, None, "m"),
                    device("c", 1, 3), device("c", 1, 5), device("c", 1, 7), device("c", 1, 8),
                    device("c", 1, 9), device("c", 5, 0), device("c", 5, 1), device("c", 5, 2),
                    device("c", 136, None), device("c", 10, 200),
                ],
            },
        },
    }
    for d in config["linux"]["resources"]["devices"]:
        for k in ("major", "minor"):
            if k in d and d[k] is None:
                del d[k]  # a wildcard
    if a.cgroups_path:
        config["linux"]["cgroupsPath"] = a.cgroups_path
    if a.seccomp:
        with open(a.seccomp) as f:
            config["linux"]["seccomp"] = json.load(f)
    with open(os.path.join(bundle, "config.json"), "w") as f:
        json.dump(config, f, indent=2)


if __name__ == "__main__":
    main()
