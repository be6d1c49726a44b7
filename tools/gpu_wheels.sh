#!/usr/bin/env bash
# Here, before a device run: the wheels of the packages the device machines' image lacks (its python3 is 3.12,
# x86-64, with its own PyTorch), into .whl/ (git-ignored; the run carries it: carry=[".whl"]).
set -euo pipefail
cd "$(dirname "$0")/.."
pins() { for p in "$@"; do grep -i "^$p==" constraints.txt; done; }
python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 \
    --platform manylinux2014_x86_64 --platform manylinux_2_28_x86_64 --platform any \
    -d .whl $(pins nlopt fastcore fastprogress mlxtend)
ls .whl
