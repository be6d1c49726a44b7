#!/usr/bin/env python
"""Fail when a figure stored in a notebook is wider than the docs site's text column.

    python tools/check_figures.py [NOTEBOOK_OR_FOLDER ...]    (default: nbs/ beside this folder)

Prints one line per figure that is too wide (notebook, cell index, width shown on the site) and
exits with 1; exits with 0 when every figure fits. `.ci/run` runs it before the tests. The fix is
`gradmix.site.house_style`.
"""
import sys
from pathlib import Path

from gradmix.site import COLUMN_PX, wide_figures


def main(argv: list[str]) -> int:
    paths = argv or [Path(__file__).resolve().parents[1] / "nbs"]
    wide = wide_figures(paths)
    for nb, cell, width in wide:
        print(f"{nb}: cell {cell}: {width} px wide, over the {COLUMN_PX} px text column "
              "(plot in gradmix.site.house_style, at most FIG_WIDTH inches wide)", file=sys.stderr)
    return 1 if wide else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
