"""A loopback docker-registry (Debian's) and a ~100 MB multi-layer test image.

The image is made here from random bytes (incompressible, so MB/s counts the
bytes that travel) and uploaded with the distribution API, so both engines pull
exactly the same manifest from 127.0.0.1.
"""

import gzip
import hashlib
import io
import json
import os
import shutil
import socket
import subprocess
import tarfile
import tempfile
import time
import urllib.request

from engines import BenchError


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Registry:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="/tmp/bbench-reg-")
        self.port = free_port()
        self.addr = f"127.0.0.1:{self.port}"
        with open(f"{self.dir}/config.yml", "w") as f:
            f.write(f"version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n"
                    f"    rootdirectory: {self.dir}/data\nhttp:\n  addr: {self.addr}\n")
        self.log = open(f"{self.dir}/log", "w")
        self.proc = subprocess.Popen(["docker-registry", "serve", f"{self.dir}/config.yml"],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://{self.addr}/v2/", timeout=1).read()
                return
            except OSError:
                time.sleep(0.1)
        self.close()
        raise BenchError("docker-registry did not start")

    def close(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def _put_blob(self, repo, data):
        digest = "sha256:" + hashlib.sha256(data).hexdigest()
        req = urllib.request.Request(f"http://{self.addr}/v2/{repo}/blobs/uploads/",
                                     method="POST")
        with urllib.request.urlopen(req, timeout=30) as resp:
            location = resp.headers["Location"]
        if location.startswith("/"):
            location = f"http://{self.addr}{location}"
        sep = "&" if "?" in location else "?"
        req = urllib.request.Request(f"{location}{sep}digest={digest}", data=data, method="PUT",
                                     headers={"Content-Type": "application/octet-stream"})
        urllib.request.urlopen(req, timeout=120).read()
        return digest

    def upload_random_image(self, repo, tag, layers=4, layer_mib=25):
        """Uploads an image of `layers` random layers; returns its compressed size."""
        descriptors, diff_ids = [], []
        for i in range(layers):
            raw = io.BytesIO()
            with tarfile.open(fileobj=raw, mode="w") as tar:
                payload = os.urandom(layer_mib << 20)
                info = tarfile.TarInfo(f"bench/layer{i}.bin")
                info.size = len(payload)
                info.mode = 0o644
                tar.addfile(info, io.BytesIO(payload))
            diff_ids.append("sha256:" + hashlib.sha256(raw.getvalue()).hexdigest())
            blob = gzip.compress(raw.getvalue(), compresslevel=1)
            descriptors.append({"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                                "size": len(blob), "digest": self._put_blob(repo, blob)})
        config = json.dumps({
            "architecture": "amd64", "os": "linux",
            "config": {"Cmd": ["/bin/sh"]},
            "rootfs": {"type": "layers", "diff_ids": diff_ids},
            "history": [{"created_by": f"bench layer {i}"} for i in range(layers)],
        }).encode()
        manifest = json.dumps({
            "schemaVersion": 2,
            "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "config": {"mediaType": "application/vnd.docker.container.image.v1+json",
                       "size": len(config), "digest": self._put_blob(repo, config)},
            "layers": descriptors,
        }).encode()
        req = urllib.request.Request(
            f"http://{self.addr}/v2/{repo}/manifests/{tag}", data=manifest, method="PUT",
            headers={"Content-Type": "application/vnd.docker.distribution.manifest.v2+json"})
        urllib.request.urlopen(req, timeout=30).read()
        return sum(d["size"] for d in descriptors)
