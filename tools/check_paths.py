#!/usr/bin/env python
"""Fail when a notebook's stored outputs show an absolute path of the machine that ran it.

    python tools/check_paths.py [NOTEBOOK_OR_FOLDER ...]    (default: nbs/ beside this folder)

The site is rendered from the stored outputs, so a path a test printed (a temporary folder, the
checkout, the home folder) would be shown to every reader. The folders are this machine's own,
found when the check runs (nothing here names one): the folder above the checkout, the temporary
folder and the home folder. A warning that points into a source file by its absolute path (a
library's build path, or a module of the checkout) is caught too, wherever it lies. Prints one line
per path found (notebook, cell index, the path) and exits with 1; exits with 0 when there is none.
Sources may name such paths (a temporary folder in a test); only outputs are checked. `.ci/run`
runs it.
"""
import json
import re
import sys
import tempfile
from pathlib import Path

from check_lines import notebooks

REPO = Path(__file__).resolve().parents[1]


def machine_roots() -> list[str]:
    "This machine's folders whose paths must not reach a page (the filesystem root excluded)."
    roots = {REPO.parent, Path(tempfile.gettempdir()).resolve(), Path.home().resolve()}
    return sorted(str(r) for r in roots if r.parent != r)


def machine_path_pattern(roots) -> re.Pattern:
    "A path under one of `roots`, or any absolute path to a source file (as warnings print them)."
    under = "|".join(re.escape(r.rstrip("/")) for r in roots)
    source = r"(?:/[\w.-]+){2,}\.(?:py|pyx|c|cc|cpp|cu|h|hpp)\b"
    return re.compile(rf"(?<![\w.:/~-])(?:(?:{under})(?=[/\s\"'\\]|$)[^\s\"'\\]*|{source})")


def machine_paths(nb: Path, pattern: re.Pattern):
    for i, c in enumerate(json.loads(nb.read_text())["cells"]):
        for out in c.get("outputs", []):
            for m in pattern.finditer(json.dumps(out, ensure_ascii=False)): yield i, m.group()


def main(argv: list[str]) -> int:
    pattern = machine_path_pattern(machine_roots())
    found = [(nb, *x) for nb in notebooks(argv or [REPO / "nbs"])
             for x in machine_paths(nb, pattern)]
    for nb, cell, path in found:
        print(f"{nb}: cell {cell} shows a machine path in its output: {path[:120]}", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
