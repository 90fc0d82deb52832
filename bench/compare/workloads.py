"""The workloads: each runs against one engine and returns {figure key: value}.

A workload that the engine cannot run yet raises Unsupported with the engine's
own words; the report shows "n/a" for it instead of a number. Every loop is
bounded in count, every command in time, and only loopback, the engines' own
container addresses and a namespace made here are contacted.
"""

import concurrent.futures
import os
import re
import statistics
import subprocess
import tempfile
import time

from engines import BenchError, rss_pss_kib, run
from registry import Registry, free_port

IMAGE = "busybox:latest"


class Unsupported(Exception):
    pass


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def median_ms(engine, args, n):
    return 1e3 * statistics.median(timed(lambda: engine.docker(args))[0] for _ in range(n))


def not_implemented(proc):
    text = (proc.stderr + proc.stdout).lower()
    return "not implemented" in text or "501" in text


def remove_all(engine):
    ids = engine.docker(["ps", "-aq"]).stdout.split()
    for i in range(0, len(ids), 100):
        engine.docker(["rm", "-f"] + ids[i:i + 100], timeout=600)
    return len(ids)


def parallel(fn, count, workers):
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        list(pool.map(lambda _: fn(), range(count)))


# 1. run --rm true
def run_rm(engine, ctx):
    n = ctx.quick_n
    figures = {
        "run_rm_bridge": median_ms(engine, ["run", "--rm", IMAGE, "true"], n),
        "run_rm_none": median_ms(engine, ["run", "--rm", "--network", "none", IMAGE, "true"], n),
    }
    if engine.name == "berth":
        figures["run_rm_berth_cli"] = 1e3 * statistics.median(
            timed(lambda: engine.berth(["run", "--rm", IMAGE, "true"]))[0] for _ in range(n))
    return figures


# 2. create+start of 50 detached, ps, remove; and 1,000 created containers
def many_containers(engine, ctx):
    remove_all(engine)
    count = 50
    start_one = lambda: engine.docker(["run", "-d", IMAGE, "sleep", "600"])
    seq, _ = timed(lambda: [start_one() for _ in range(count)])
    figures = {
        "create_start_seq": count / seq,
        "ps_50": median_ms(engine, ["ps"], ctx.quick_n),
        "ps_a_50": median_ms(engine, ["ps", "-a"], ctx.quick_n),
    }
    rm, removed = timed(lambda: remove_all(engine))
    figures["rm_50"] = removed / rm
    par, _ = timed(lambda: parallel(start_one, count, 8))
    figures["create_start_par8"] = count / par
    remove_all(engine)
    return figures


def thousand_created(engine, ctx):
    remove_all(engine)
    count = ctx.many
    create, _ = timed(lambda: parallel(
        lambda: engine.docker(["create", IMAGE, "true"]), count, 8))
    figures = {
        "create_1000_par8": count / create,
        "ps_1000": median_ms(engine, ["ps"], ctx.quick_n),
        "ps_a_1000": median_ms(engine, ["ps", "-a"], ctx.quick_n),
    }
    rm, removed = timed(lambda: remove_all(engine))
    figures["rm_1000"] = removed / rm
    return figures


# 3. pull and push of a ~100 MB image from a loopback registry
def pull_push(engine, ctx):
    ref = f"{ctx.registry.addr}/bench/big:1"
    engine.docker(["rmi", "-f", ref], check=False)
    proc = engine.docker(["pull", "-q", ref], check=False, timeout=600)
    if proc.returncode != 0:
        raise (Unsupported if not_implemented(proc) else BenchError)(proc.stderr.strip())
    engine.docker(["rmi", "-f", ref])
    pull, _ = timed(lambda: engine.docker(["pull", "-q", ref], timeout=600))
    figures = {"pull_cold": ctx.image_bytes / pull / 1e6}
    target = Registry()  # empty, so every layer travels
    try:
        pushed = f"{target.addr}/bench/pushed:1"
        engine.docker(["tag", ref, pushed])
        push, _ = timed(lambda: engine.docker(["push", "-q", pushed], timeout=600))
        figures["push_cold"] = ctx.image_bytes / push / 1e6
        engine.docker(["rmi", "-f", pushed], check=False)
    finally:
        target.close()
    engine.docker(["rmi", "-f", ref], check=False)
    return figures


# 4. build of a small Dockerfile, cold and fully cached
DOCKERFILE = """FROM busybox:latest
RUN echo hello > /hello
COPY file.txt /file.txt
RUN cat /file.txt >> /hello
ENV GREETING=hi
CMD ["cat", "/hello"]
"""


def build(engine, ctx):
    with tempfile.TemporaryDirectory(prefix="/tmp/bbench-ctx-") as context:
        with open(f"{context}/Dockerfile", "w") as f:
            f.write(DOCKERFILE)
        with open(f"{context}/file.txt", "w") as f:
            f.write("bench\n" * 100)
        env = {"DOCKER_BUILDKIT": "0"}
        args = ["build", "-q", "-t", "bench-build:1", context]
        probe = engine.docker(args[:1] + ["--no-cache"] + args[1:], check=False, extra_env=env,
                              timeout=300)
        if probe.returncode != 0:
            raise (Unsupported if not_implemented(probe) else BenchError)(probe.stderr.strip())
        cold, _ = timed(lambda: engine.docker(args[:1] + ["--no-cache"] + args[1:],
                                              extra_env=env, timeout=300))
        cached, _ = timed(lambda: engine.docker(args, extra_env=env, timeout=300))
        engine.docker(["rmi", "-f", "bench-build:1"], check=False)
        return {"build_cold": cold, "build_cached": cached}


# 5. published-port HTTP throughput
HTTPD = ("mkdir -p /www && head -c 1024 /dev/zero > /www/1k && "
         "head -c 1048576 /dev/zero > /www/1m && exec httpd -f -p 80 -h /www")


def wrk(url, seconds, netns=None):
    cmd = ["wrk", "-t1", "-c8", f"-d{seconds}s", url]
    if netns:
        cmd = ["ip", "netns", "exec", netns] + cmd
    out = run(cmd, timeout=seconds + 30).stdout
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if not match or "Non-2xx" in out or "Socket errors" in out:
        raise BenchError(f"wrk {url}: {out[-300:]}")
    return float(match.group(1))


def wait_http(url, netns=None):
    cmd = ["curl", "-fsS", "-o", "/dev/null", "--max-time", "1", url]
    if netns:
        cmd = ["ip", "netns", "exec", netns] + cmd
    for _ in range(50):
        if run(cmd, check=False, timeout=5).returncode == 0:
            return
        time.sleep(0.1)
    raise BenchError(f"{url} did not answer")


def http(engine, ctx):
    port = free_port()
    cid = engine.docker(["run", "-d", "-p", f"{port}:80", IMAGE, "sh", "-c", HTTPD]).stdout.strip()
    try:
        ip = engine.docker(["inspect", "-f", "{{.NetworkSettings.IPAddress}}", cid]).stdout.strip()
        urls = {"loopback": f"http://127.0.0.1:{port}", "direct": f"http://{ip}:80",
                "netns": f"http://{ctx.client_ns.host_ip}:{port}"}
        for where, base in urls.items():
            wait_http(base + "/1k", ctx.client_ns.name if where == "netns" else None)
        figures = {}
        for size in ("1k", "1m"):
            for where, base in urls.items():
                figures[f"http_{size}_{where}"] = wrk(
                    f"{base}/{size}", ctx.wrk_seconds,
                    ctx.client_ns.name if where == "netns" else None)
        return figures
    finally:
        engine.docker(["rm", "-f", cid], check=False)


# 6. idle memory of the daemons, and per-container shim overhead
def memory(engine, ctx):
    remove_all(engine)
    time.sleep(1)
    daemons = [rss_pss_kib(pid) for pid in engine.daemon_pids().values()]
    figures = {"idle_daemons_rss": sum(r for r, _ in daemons) / 1024,
               "idle_daemons_pss": sum(p for _, p in daemons) / 1024}
    for _ in range(10):
        engine.docker(["run", "-d", IMAGE, "sleep", "600"])
    time.sleep(1)
    shims = [rss_pss_kib(pid) for pid in engine.shim_pids()]
    if len(shims) < 10:
        raise BenchError(f"found {len(shims)} shims for 10 containers")
    figures["shim_rss"] = statistics.mean(r for r, _ in shims) / 1024
    figures["shim_pss"] = statistics.mean(p for _, p in shims) / 1024
    remove_all(engine)
    return figures


# 7. log throughput
def logs(engine, ctx):
    size = ctx.log_bytes
    line = "0123456789" * 9 + "abcdefghi"  # 100 bytes with the newline
    script = f"yes {line} | head -c {size}"

    def produce_and_read():
        cid = engine.docker(["run", "-d", IMAGE, "sh", "-c", script]).stdout.strip()
        engine.docker(["wait", cid], timeout=300)
        out = subprocess.run(["docker", "logs", cid], env=engine.env, stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, timeout=300).stdout
        engine.docker(["rm", "-f", cid], check=False)
        return len(out)

    seconds, got = timed(produce_and_read)
    if got != size:
        raise BenchError(f"logs returned {got} bytes of {size}")
    return {"logs_100mb": seconds}


# 8. exec latency
def exec_latency(engine, ctx):
    cid = engine.docker(["run", "-d", IMAGE, "sleep", "600"]).stdout.strip()
    try:
        probe = engine.docker(["exec", cid, "true"], check=False)
        if probe.returncode != 0:
            raise (Unsupported if not_implemented(probe) else BenchError)(probe.stderr.strip())
        return {"exec_true": median_ms(engine, ["exec", cid, "true"], ctx.quick_n)}
    finally:
        engine.docker(["rm", "-f", cid], check=False)


pull_push.figures = ("pull_cold", "push_cold")
build.figures = ("build_cold", "build_cached")
exec_latency.figures = ("exec_true",)

WORKLOADS = [run_rm, many_containers, thousand_created, pull_push, build, http, memory, logs,
             exec_latency]
