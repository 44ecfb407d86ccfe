#!/usr/bin/env bash
# Issue 21: every GPU figure in one run (benchmarks/gpu.md). On the GPU machine, from the
# repository root, with benchmarks/carry/ (made here by benchmarks/gpu_prepare.sh) carried:
#
#   bash benchmarks/gpu.sh                 # ≈ 8 min; options: python benchmarks/gpu_run.py -h
#   nice -n 10 bash benchmarks/gpu.sh --tiny   # the CPU dry run, ≈ 1-2 min
#
# Installs the carried wheels into /tmp/innograph-site (no network there), then runs
# benchmarks/gpu_run.py; its log, table and JSON land in $OUT (else bench-out/gpu).
set -u
cd "$(dirname "$0")/.."
CARRY=${CARRY:-benchmarks/carry}
PY=${PYTHON:-python3}
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
if compgen -G "$CARRY/wheels/*.whl" >/dev/null; then
  SITE=/tmp/innograph-site
  if "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
       --target "$SITE" "$CARRY"/wheels/*.whl; then
    export PYTHONPATH="$PYTHONPATH:$SITE"   # keybert (the machine has its dependencies)
    echo "installed from $CARRY/wheels: $(cd "$CARRY/wheels" && ls *.whl | tr '\n' ' ')"
  else
    echo "WARNING: installing $CARRY/wheels failed; the jobs that need them will say so"
  fi
else
  echo "no wheels in $CARRY/wheels (bash benchmarks/gpu_prepare.sh makes them)"
fi
export PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1
exec "$PY" benchmarks/gpu_run.py --carry "$CARRY" "$@"
