#!/usr/bin/env python3
"""Domain code links the generated messages, never gRPC.

The proto libraries come in two halves (proto/CMakeLists.txt): messages only,
and `_grpc` stubs. The unit-test executables named below link a service's
domain library and nothing else of it; if any of them ends up with grpc++ on
its link line, a domain library has started depending on the transport.

Usage: check_domain_links.py BUILD_DIR EXECUTABLE...
"""
import os
import re
import sys


def link_lines(build_ninja):
    """Yields (executable name, link libraries) for each link step."""
    current = None
    with open(build_ninja) as f:
        for line in f:
            m = re.match(r"build (\S+)[^:]*: CXX_EXECUTABLE_LINKER", line)
            if m:
                current = os.path.basename(m.group(1))
                continue
            if current and line.startswith("  LINK_LIBRARIES = "):
                yield current, line[len("  LINK_LIBRARIES = "):]
                current = None
            elif not line.startswith("  "):
                current = None


def main():
    build_dir, wanted = sys.argv[1], set(sys.argv[2:])
    found, bad = set(), []
    for exe, libs in link_lines(os.path.join(build_dir, "build.ninja")):
        if exe not in wanted:
            continue
        found.add(exe)
        grpc = sorted({t for t in libs.split() if re.search(r"grpc", os.path.basename(t))})
        if grpc:
            bad.append(f"{exe} links {' '.join(grpc)}")
    missing = wanted - found
    for exe in sorted(missing):
        print(f"no link step for {exe} in build.ninja")
    for line in bad:
        print(line)
    if missing or bad:
        return 1
    print(f"{len(found)} domain executables link without gRPC")
    return 0


if __name__ == "__main__":
    sys.exit(main())
