#!/usr/bin/env python
"""Fail when a code line in a notebook is longer than the house limit (100 characters).

    python tools/check_lines.py [NOTEBOOK_OR_FOLDER ...]    (default: nbs/ beside this folder)

Prints one line per long line (notebook, cell index, line number in the cell, length) and exits
with 1; exits with 0 when every code line fits. The lines nbdev writes itself (`__all__`, module
docstrings from a page's summary) are not in the notebooks' code cells, so they are not checked.
`.ci/run` runs it. `python tools/wrap_lines.py .` re-wraps long lines and keeps a rewrite
only where the code's syntax tree is unchanged.
"""
import json
import sys
from pathlib import Path

LIMIT = 100


def notebooks(paths):
    for p in map(Path, paths):
        skip = ("_proc", ".ipynb_checkpoints")
        yield from (sorted(q for q in p.rglob("*.ipynb") if not set(skip) & set(q.parts))
                    if p.is_dir() else [p])


def long_lines(nb: Path):
    cells = json.loads(nb.read_text())["cells"]
    for i, c in enumerate(cells):
        if c["cell_type"] != "code": continue
        for n, line in enumerate("".join(c["source"]).splitlines(), 1):
            if len(line) > LIMIT: yield i, n, len(line)


def main(argv: list[str]) -> int:
    found = [(nb, *x) for nb in notebooks(argv or [Path(__file__).resolve().parents[1] / "nbs"])
             for x in long_lines(nb)]
    for nb, cell, n, width in found:
        print(f"{nb}: cell {cell}, line {n}: {width} characters, over {LIMIT}", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
