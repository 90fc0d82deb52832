"""The two engines the side-by-side bench drives with the same docker CLI.

BerthEngine starts a private Berth stack from a Release build; DockerEngine
starts Debian's dockerd (docker.io) with private data/exec roots and, on close,
removes what it left on the host: the docker0 link, the iptables-nft tables it
created (or the rules it added to tables that existed before), its mounts and
its state. Neither engine may run while the test suite runs (compare.sh checks).
"""

import os
import shutil
import signal
import subprocess
import tempfile
import time


class BenchError(RuntimeError):
    pass


def run(cmd, env=None, timeout=120, check=True, input_text=None):
    """Runs cmd (a list), returns CompletedProcess; raises BenchError on failure."""
    try:
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True,
                              timeout=timeout, input=input_text)
    except subprocess.TimeoutExpired as e:
        raise BenchError(f"{' '.join(cmd)}: timed out after {timeout} s") from e
    if check and proc.returncode != 0:
        raise BenchError(f"{' '.join(cmd)}: exit {proc.returncode}: {proc.stderr.strip()[-400:]}")
    return proc


def rss_pss_kib(pid):
    """(RSS, PSS) of a process in KiB from smaps_rollup; (0, 0) if it is gone."""
    rss = pss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Rss:"):
                    rss = int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss = int(line.split()[1])
    except OSError:
        pass
    return rss, pss


def pids_whose_cmdline_has(name, needle):
    """Pids of processes whose argv[0] ends with name and whose argv has needle."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        if argv and os.path.basename(argv[0].decode(errors="replace")) == name and \
                any(needle.encode() in a for a in argv):
            found.append(int(entry))
    return found


class Engine:
    """Common surface: a name, a DOCKER_HOST, and process figures."""

    name = "?"

    def __init__(self, client_config):
        self.env = dict(os.environ)
        self.env["DOCKER_CONFIG"] = client_config
        self.env.pop("DOCKER_CONTEXT", None)

    def docker(self, args, timeout=120, check=True, input_text=None, extra_env=None):
        env = self.env if not extra_env else {**self.env, **extra_env}
        return run(["docker"] + args, env=env, timeout=timeout, check=check,
                   input_text=input_text)

    def daemon_pids(self):
        raise NotImplementedError

    def shim_pids(self):
        raise NotImplementedError

    def close(self):
        raise NotImplementedError


class BerthEngine(Engine):
    name = "berth"

    def __init__(self, top, bin_dir, client_config):
        super().__init__(client_config)
        self.top = top
        self.root = tempfile.mkdtemp(prefix="/tmp/bbench-")
        self.env["BERTH_BIN_DIR"] = bin_dir
        out = run([f"{top}/deploy/berth-up", "--root", self.root, "--log-level", "warn"],
                  env=self.env, timeout=60).stdout
        for line in out.splitlines():
            if line.startswith("export "):
                key, _, value = line[len("export "):].partition("=")
                self.env[key] = value
        if "DOCKER_HOST" not in self.env or "BERTH_HOST" not in self.env:
            raise BenchError(f"berth-up printed no DOCKER_HOST/BERTH_HOST: {out}")
        self.berth_cli = os.path.join(bin_dir, "cli", "berth")

    def berth(self, args, timeout=120, check=True):
        return run([self.berth_cli] + args, env=self.env, timeout=timeout, check=check)

    def daemon_pids(self):
        pids = {}
        for svc in ("imaged", "netd", "runtimed", "apid"):
            with open(f"{self.root}/run/{svc}.pid") as f:
                pids[svc] = int(f.read().strip())
        return pids

    def shim_pids(self):
        return pids_whose_cmdline_has("berth-shim", self.root)

    def close(self):
        self.docker(["rm", "-f", "-v"] + self.docker(["ps", "-aq"], check=False).stdout.split(),
                    check=False, timeout=300)
        run([f"{self.top}/deploy/berth-down", "--root", self.root, "--purge"],
            env=self.env, timeout=120, check=False)
        shutil.rmtree(self.root, ignore_errors=True)


def _nft_tables():
    out = run(["nft", "list", "tables"], check=False).stdout
    return {tuple(line.split()[1:3]) for line in out.splitlines() if line.startswith("table")}


class DockerEngine(Engine):
    """Debian's dockerd + the containerd it manages, in private directories."""

    name = "docker"
    BRIDGE_IP = "172.30.254.1/24"

    def __init__(self, client_config):
        super().__init__(client_config)
        if shutil.which("dockerd") is None:
            raise BenchError("dockerd is not installed (compare.sh installs docker.io)")
        if os.path.exists("/sys/class/net/docker0"):
            raise BenchError("docker0 exists: another Docker engine runs here; stop it first")
        self.root = tempfile.mkdtemp(prefix="/tmp/bdock-")
        self.tables_before = _nft_tables()
        self.saved_rules = {}
        for family, save in (("ip", "iptables-save"), ("ip6", "ip6tables-save")):
            if shutil.which(save):
                self.saved_rules[family] = run([save], check=False).stdout
        self.etc_docker_existed = os.path.exists("/etc/docker")
        sock = f"{self.root}/docker.sock"
        self.log = open(f"{self.root}/dockerd.log", "w")
        self.proc = subprocess.Popen(
            ["dockerd", "--data-root", f"{self.root}/data", "--exec-root", f"{self.root}/exec",
             "--pidfile", f"{self.root}/dockerd.pid", "-H", f"unix://{sock}",
             "--bip", self.BRIDGE_IP, "--log-level", "warn"],
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        self.env["DOCKER_HOST"] = f"unix://{sock}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.close()
                raise BenchError(f"dockerd exited at startup; see {self.root}/dockerd.log")
            if self.docker(["version", "-f", "{{.Server.Version}}"], check=False,
                           timeout=10).returncode == 0:
                return
            time.sleep(0.2)
        self.close()
        raise BenchError("dockerd did not answer within 60 s")

    def daemon_pids(self):
        pids = {"dockerd": self.proc.pid}
        containerd = pids_whose_cmdline_has("containerd", self.root)
        if containerd:
            pids["containerd"] = containerd[0]
        return pids

    def shim_pids(self):
        return pids_whose_cmdline_has("containerd-shim-runc-v2", self.root)

    def close(self):
        if self.proc.poll() is None:
            ids = self.docker(["ps", "-aq"], check=False).stdout.split()
            if ids:
                self.docker(["rm", "-f", "-v"] + ids, check=False, timeout=300)
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for pid in pids_whose_cmdline_has("containerd", self.root) + self.shim_pids():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.log.close()
        self._unmount_under_root()
        if os.path.exists("/sys/class/net/docker0"):
            run(["ip", "link", "del", "docker0"], check=False)
        self._restore_firewall()
        if not self.etc_docker_existed:
            shutil.rmtree("/etc/docker", ignore_errors=True)
        shutil.rmtree(self.root, ignore_errors=True)

    def _unmount_under_root(self):
        with open("/proc/self/mounts") as f:
            targets = [line.split()[1] for line in f if line.split()[1].startswith(self.root)]
        for target in sorted(targets, key=len, reverse=True):
            run(["umount", "-l", target], check=False)

    def _restore_firewall(self):
        """Tables dockerd created go; tables that existed get their rules back."""
        for family, name in _nft_tables() - self.tables_before:
            if family in ("ip", "ip6") and name in ("filter", "nat", "mangle", "raw"):
                run(["nft", "delete", "table", family, name], check=False)
        for family, restore in (("ip", "iptables-restore"), ("ip6", "ip6tables-restore")):
            saved = self.saved_rules.get(family, "")
            if saved.strip() and shutil.which(restore):
                run([restore], input_text=saved, check=False)
