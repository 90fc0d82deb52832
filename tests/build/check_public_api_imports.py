#!/usr/bin/env python3
"""The public API (api.proto) must not depend on an internal service's API.

Follows api.proto's imports transitively through proto/ and fails when one of
the internal service protos (imaged, netd, runtimed) is among them: a message
the public API serves belongs to the public files, so an internal change can
never change the public contract by accident.

Usage: check_public_api_imports.py <proto dir>
"""
import pathlib
import re
import sys

PUBLIC_ROOT = "berth/v1/api.proto"
INTERNAL = {"berth/v1/imaged.proto", "berth/v1/netd.proto", "berth/v1/runtimed.proto"}
IMPORT = re.compile(r'^\s*import\s+(?:public\s+)?"([^"]+)"\s*;', re.M)


def imports_of(proto_dir: pathlib.Path, name: str) -> list[str]:
    path = proto_dir / name
    if not path.exists():  # google/protobuf/... from the system
        return []
    return IMPORT.findall(path.read_text())


def main() -> int:
    proto_dir = pathlib.Path(sys.argv[1])
    if not (proto_dir / PUBLIC_ROOT).exists():
        print(f"no {PUBLIC_ROOT} under {proto_dir}", file=sys.stderr)
        return 2
    via = {PUBLIC_ROOT: None}
    todo = [PUBLIC_ROOT]
    while todo:
        name = todo.pop()
        for imported in imports_of(proto_dir, name):
            if imported not in via:
                via[imported] = name
                todo.append(imported)
    bad = sorted(INTERNAL & via.keys())
    for name in bad:
        chain = [name]
        while via[chain[-1]] is not None:
            chain.append(via[chain[-1]])
        print("public API imports an internal API: " + " <- ".join(chain), file=sys.stderr)
    if bad:
        return 1
    print(f"{PUBLIC_ROOT} imports {len(via) - 1} files, none internal")
    return 0


if __name__ == "__main__":
    sys.exit(main())
