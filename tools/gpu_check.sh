#!/usr/bin/env bash
# Issue 19's GPU figures in one run, on a fresh device machine (no registry): gradmix goes into the machine's own
# PyTorch with the wheels tools/gpu_wheels.sh put in .whl/, then tools/gpu_check.py writes $OUT/gpu-check.json.
# Elsewhere, with registries: pip install -e . -c constraints.txt, then python tools/gpu_check.py --out FILE.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
OUT=${OUT:-results}
[ -d .whl ] && $PY -m pip install -q --no-index --find-links .whl nlopt fastcore fastprogress mlxtend
$PY -m pip install -q --no-deps --no-build-isolation -e .
$PY -c "import torch, gradmix; print('gradmix', gradmix.__version__, '| torch', torch.__version__, '|', torch.cuda.get_device_name(0))"
$PY tools/gpu_check.py --out "$OUT/gpu-check.json" "$@"
