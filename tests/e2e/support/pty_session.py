#!/usr/bin/env python3
"""Drives an interactive command through a pseudo-terminal, like a person at a
terminal: steps are `expect:REGEX` (wait for output matching REGEX) and
`send:TEXT` (type TEXT; \\n, \\r and \\xNN escapes are decoded). Prints the whole
transcript on stdout and exits with the command's exit code, or 99 when an
expectation times out (bounded by --timeout seconds overall).

usage: pty_session.py [--timeout S] STEP... -- COMMAND [ARGS...]
"""
import os
import pty
import re
import select
import sys
import time


def main():
    args = sys.argv[1:]
    timeout = 30.0
    if args[:1] == ["--timeout"]:
        timeout = float(args[1])
        args = args[2:]
    sep = args.index("--")
    steps, command = args[:sep], args[sep + 1:]
    deadline = time.monotonic() + timeout

    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(command[0], command)

    transcript = b""

    def read_some(wait):
        nonlocal transcript
        ready, _, _ = select.select([fd], [], [], wait)
        if not ready:
            return True
        try:
            data = os.read(fd, 65536)
        except OSError:
            return False
        if not data:
            return False
        transcript += data
        return True

    for step in steps:
        kind, _, value = step.partition(":")
        if kind == "send":
            os.write(fd, value.encode().decode("unicode_escape").encode("latin-1"))
        elif kind == "expect":
            pattern = re.compile(value.encode())
            start = len(transcript)
            while not pattern.search(transcript, max(0, start - 256)):
                if time.monotonic() > deadline or not read_some(0.1):
                    sys.stdout.write(transcript.decode(errors="replace"))
                    sys.stdout.write("\n[pty_session: timed out waiting for %r]\n" % value)
                    os.kill(pid, 9)
                    os.waitpid(pid, 0)
                    sys.exit(99)
        else:
            sys.exit("bad step %r" % step)

    # Drain until the command exits.
    while time.monotonic() < deadline and read_some(0.1):
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
    else:
        done, status = os.waitpid(pid, os.WNOHANG)
    if not done:
        # Give it the rest of the time budget, then kill it.
        while time.monotonic() < deadline:
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
            read_some(0.1)
        if not done:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            sys.stdout.write(transcript.decode(errors="replace"))
            sys.stdout.write("\n[pty_session: command did not exit]\n")
            sys.exit(98)
    while read_some(0):
        pass
    sys.stdout.write(transcript.decode(errors="replace"))
    sys.exit(os.waitstatus_to_exitcode(status) if hasattr(os, "waitstatus_to_exitcode")
             else (status >> 8))


if __name__ == "__main__":
    main()
