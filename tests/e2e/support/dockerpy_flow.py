#!/usr/bin/python3
"""docker-py as a real client of Berth's REST facade (DOCKER_HOST from the
environment): run with output, run detached with a published port, list,
inspect, logs, stop, remove. Prints one line per check; exits 1 on the first
failure. The image "busybox:latest" must already exist.

usage: dockerpy_flow.py HOST_PORT
"""
import sys
import time
import urllib.request

import docker


def check(condition, what):
    print(("ok   " if condition else "FAIL ") + what, flush=True)
    if not condition:
        sys.exit(1)


def main():
    port = int(sys.argv[1])
    client = docker.from_env(timeout=30)
    check(client.ping(), "ping")

    out = client.containers.run("busybox", ["echo", "hello"], remove=True)
    check(out == b"hello\n", "run with output: %r" % out)

    tags = [t for image in client.images.list() for t in image.tags]
    check("busybox:latest" in tags, "images.list has busybox:latest: %r" % tags)

    web = client.containers.run("busybox", ["httpd", "-f", "-p", "80", "-h", "/var/www"],
                                detach=True, name="pyweb", ports={"80/tcp": ("127.0.0.1", port)})
    web.reload()
    check(web.status == "running", "detached container is running (%s)" % web.status)
    check(web.ports.get("80/tcp") == [{"HostIp": "127.0.0.1", "HostPort": str(port)}],
          "ports: %r" % web.ports)
    body = b""
    for _ in range(50):
        try:
            body = urllib.request.urlopen("http://127.0.0.1:%d/" % port, timeout=2).read()
            break
        except OSError:
            time.sleep(0.1)
    check(body == b"hello from berth httpd\n", "published port answers: %r" % body)
    names = [c.name for c in client.containers.list()]
    check("pyweb" in names, "containers.list: %r" % names)

    web.stop(timeout=1)
    web.reload()
    check(web.status == "exited", "stopped (%s)" % web.status)
    web.remove()
    names = [c.name for c in client.containers.list(all=True)]
    check("pyweb" not in names, "removed: %r" % names)

    try:
        client.containers.get("pyweb")
        check(False, "get of a removed container raises NotFound")
    except docker.errors.NotFound:
        check(True, "get of a removed container raises NotFound")


if __name__ == "__main__":
    main()
