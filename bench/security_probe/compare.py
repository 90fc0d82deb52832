#!/usr/bin/env python3
"""Sets two report.sh outputs side by side, section by section: "same" when a
section matches, else the lines only one side has (matching lines are
counted, not shown). Exit status 0 either way: a difference is something to
judge, which docs/security.md does.

usage: compare.py LEFT_NAME LEFT_FILE RIGHT_NAME RIGHT_FILE
"""
import difflib
import sys

WIDTH = 62


def sections(path):
    out, name = {}, None
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("== "):
                name = line[3:]
                out[name] = []
            elif name is not None:
                out[name].append(line)
    return out


def cut(text):
    return text if len(text) <= WIDTH else text[: WIDTH - 1] + "…"


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    left_name, left, right_name, right = sys.argv[1], sections(sys.argv[2]), sys.argv[3], sections(sys.argv[4])
    names = list(left) + [n for n in right if n not in left]
    differing = 0
    for name in names:
        a, b = left.get(name), right.get(name)
        if a is None or b is None:
            print(f"## {name}: only under {left_name if b is None else right_name}")
            differing += 1
            continue
        if a == b:
            print(f"## {name}: same ({len(a)} lines)")
            continue
        differing += 1
        print(f"## {name}: DIFFERENT")
        print(f"   {left_name:<{WIDTH}} | {right_name}")
        same = 0
        for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
            if op == "equal":
                same += i2 - i1
                continue
            rows = max(i2 - i1, j2 - j1)
            for k in range(rows):
                l = a[i1 + k] if i1 + k < i2 else ""
                r = b[j1 + k] if j1 + k < j2 else ""
                print(f"   {cut(l):<{WIDTH}} | {cut(r)}")
        print(f"   ({same} matching lines not shown)")
    print(f"\n{differing} of {len(names)} sections differ")


if __name__ == "__main__":
    main()
