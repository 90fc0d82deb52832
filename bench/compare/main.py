#!/usr/bin/env python3
"""Berth against Docker, side by side: see bench/README.md. Run via bench/compare.sh."""

import argparse
import datetime
import os
import platform
import signal
import subprocess
import sys
import tempfile
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import report  # noqa: E402
import workloads  # noqa: E402
from engines import BenchError, BerthEngine, DockerEngine, run  # noqa: E402
from registry import Registry  # noqa: E402


class ClientNamespace:
    """A network namespace joined to the host by a veth: 'another machine' for wrk."""

    def __init__(self):
        tag = f"{os.getpid() % 100000}"
        self.name = f"bbench-cli-{tag}"
        self.host_if, self.ns_if = f"bbh{tag}", f"bbn{tag}"
        self.host_ip, self.ns_ip = "10.254.77.1", "10.254.77.2"
        self.close()
        for cmd in (["ip", "netns", "add", self.name],
                    ["ip", "link", "add", self.host_if, "type", "veth", "peer", "name", self.ns_if],
                    ["ip", "link", "set", self.ns_if, "netns", self.name],
                    ["ip", "addr", "add", f"{self.host_ip}/30", "dev", self.host_if],
                    ["ip", "link", "set", self.host_if, "up"],
                    ["ip", "-n", self.name, "addr", "add", f"{self.ns_ip}/30", "dev", self.ns_if],
                    ["ip", "-n", self.name, "link", "set", self.ns_if, "up"],
                    ["ip", "-n", self.name, "link", "set", "lo", "up"]):
            run(cmd)

    def close(self):
        run(["ip", "link", "del", self.host_if], check=False)
        run(["ip", "netns", "del", self.name], check=False)


class Context:
    pass


def without_markers(unsupported):
    """The per-engine reasons without the internal set of skipped workloads."""
    return {engine: {k: v for k, v in skipped.items() if k != "_workloads"}
            for engine, skipped in unsupported.items()}


def version(cmd):
    proc = run(cmd, check=False)
    return proc.stdout.strip() or "?"


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--top", required=True)
    parser.add_argument("--bin-dir", required=True, help="Berth Release build directory")
    parser.add_argument("--busybox-tar", required=True)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (smoke run)")
    parser.add_argument("--only", default="", help="comma-separated workload names")
    parser.add_argument("--engines", default="berth,docker",
                        help="berth,docker (berth alone checks the harness without dockerd)")
    parser.add_argument("--out", required=True, help="output stem (writes .md .json .svg)")
    args = parser.parse_args()
    # SIGTERM (timeout, kill) must still run the clean-up below: dockerd's
    # firewall tables and docker0 would otherwise stay on the host.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if not 1 <= args.rounds <= 10:
        parser.error("--rounds must be 1..10")

    ctx = Context()
    ctx.quick_n = 3 if args.quick else 10
    ctx.many = 100 if args.quick else 1000
    ctx.wrk_seconds = 2 if args.quick else 4
    ctx.log_bytes = 10_000_000 if args.quick else 100_000_000
    chosen = [w for w in workloads.WORKLOADS
              if not args.only or w.__name__ in args.only.split(",")]

    client_config = tempfile.mkdtemp(prefix="/tmp/bbench-client-")
    engines, raw, unsupported = [], {}, {}
    ctx.registry = ctx.client_ns = None
    try:
        ctx.client_ns = ClientNamespace()
        ctx.registry = Registry()
        ctx.image_bytes = ctx.registry.upload_random_image("bench/big", "1")
        engines.append(BerthEngine(args.top, args.bin_dir, client_config))
        if "docker" in args.engines.split(","):
            engines.append(DockerEngine(client_config))
        for engine in engines:
            engine.docker(["import", args.busybox_tar, workloads.IMAGE], timeout=120)
        meta = {
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": f"{platform.node()}, {os.cpu_count()} cores, "
                       f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') >> 30} GiB, "
                       f"kernel {platform.release()}",
            "berth_version": version([engines[0].berth_cli, "--version"]).splitlines()[0],
            "docker_version": engines[1].docker(["version", "-f", "{{.Server.Version}}"]).stdout
            .strip() if len(engines) > 1 else "not run",
            "client_version": version(["docker", "--version"]),
            "rounds": args.rounds, "quick": args.quick, "image_bytes": ctx.image_bytes,
        }
        for rnd in range(args.rounds):
            for workload in chosen:
                # A B in even rounds, B A in odd ones, so neither always goes first.
                order = engines if rnd % 2 == 0 else list(reversed(engines))
                for engine in order:
                    if workload.__name__ in unsupported.get(engine.name, {}).get("_workloads", ()):
                        continue
                    print(f"round {rnd + 1}/{args.rounds} {workload.__name__} {engine.name}",
                          file=sys.stderr, flush=True)
                    try:
                        figures = workload(engine, ctx)
                    except workloads.Unsupported as e:
                        skipped = unsupported.setdefault(engine.name, {})
                        skipped.setdefault("_workloads", set()).add(workload.__name__)
                        for key in getattr(workload, "figures", ()):
                            skipped[key] = str(e).splitlines()[-1] if str(e) else "unsupported"
                        print(f"  {engine.name}: {workload.__name__} unsupported: {e}",
                              file=sys.stderr)
                        continue
                    for key, value in figures.items():
                        raw.setdefault(engine.name, {}).setdefault(key, []).append(value)
            # After every round, so an interrupted run still leaves its figures.
            meta["rounds_done"] = rnd + 1
            report.write(report.build_results(raw, without_markers(unsupported), meta), args.out)
        results = report.build_results(raw, without_markers(unsupported), meta)
        report.write(results, args.out)
        print(report.markdown(results))
    except (BenchError, subprocess.SubprocessError, OSError):
        traceback.print_exc()
        return 1
    finally:
        for engine in reversed(engines):
            engine.close()
        if ctx.registry:
            ctx.registry.close()
        if ctx.client_ns:
            ctx.client_ns.close()
        subprocess.run(["rm", "-rf", client_config])
    return 0


if __name__ == "__main__":
    sys.exit(main())
