#!/usr/bin/env python
"""Fail when a notebook's stored outputs show an absolute path of the machine that ran it.

    python tools/check_paths.py [NOTEBOOK_OR_FOLDER ...]    (default: nbs/ beside this folder)

The site is rendered from the stored outputs, so a temporary folder (`/tmp/tmpab12/...`), a home
or work folder, or the build path inside a wheel's warning (`/__w/...`) would be shown to every
reader. Prints one line per path found (notebook, cell index, the path) and exits with 1; exits
with 0 when there is none. Sources may name such paths (a temporary folder in a test); only
outputs are checked. `.ci/run` runs it.
"""
import json
import re
import sys
from pathlib import Path

from check_lines import notebooks

MACHINE_PATH = re.compile(r"(?<![\w.~-])/(?:tmp|work|home|root|Users|__w|private/var)/[^\s\"'\\]*")


def machine_paths(nb: Path):
    for i, c in enumerate(json.loads(nb.read_text())["cells"]):
        for out in c.get("outputs", []):
            for m in MACHINE_PATH.finditer(json.dumps(out, ensure_ascii=False)): yield i, m.group()


def main(argv: list[str]) -> int:
    found = [(nb, *x) for nb in notebooks(argv or [Path(__file__).resolve().parents[1] / "nbs"])
             for x in machine_paths(nb)]
    for nb, cell, path in found:
        print(f"{nb}: cell {cell} shows a machine path in its output: {path[:120]}", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
