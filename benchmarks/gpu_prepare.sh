#!/usr/bin/env bash
# Run HERE (network, the project's venv active), before the GPU run: fills benchmarks/carry/
# (gitignored) with what the bare, offline GPU machine lacks (benchmarks/gpu.md):
#   wheels/        keybert (pure Python; the machine has its dependencies) for Python 3.12
#   minilm-fp16/   the offline MiniLM, weights stored as float16 (float32 is over the limit)
#   patents.csv.gz the real patent titles and abstracts of ../shared/data
# and checks that the working tree plus the carry folder fit the 64 MiB a device run takes.
set -euo pipefail
cd "$(dirname "$0")/.."
CARRY=${CARRY:-benchmarks/carry}
PY=${PYTHON:-python}
WHEELS=${WHEELS:-keybert==0.9.0}
mkdir -p "$CARRY/wheels"
rm -f "$CARRY"/wheels/*.whl
# shellcheck disable=SC2086
"$PY" -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 \
  --implementation cp --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 \
  --platform manylinux2014_x86_64 -d "$CARRY/wheels" $WHEELS
PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" "$PY" benchmarks/gpu_run.py --pack "$CARRY"
git describe --always --dirty > "$CARRY/commit.txt" 2>/dev/null \
  || echo unknown > "$CARRY/commit.txt"
tree=$( (git ls-files -z; git ls-files -z -o --exclude-standard) | xargs -0 stat -c %s 2>/dev/null \
        | awk '{s += $1} END {print s + 0}')
carry=$(du -sb "$CARRY" | cut -f1)
total=$((tree + carry))
limit=$((64 * 1024 * 1024))
awk -v t="$tree" -v c="$carry" -v n="$CARRY" 'BEGIN {m = 1048576; printf "working tree \
%.1f MiB + %s %.1f MiB = %.1f MiB (limit 64 MiB)\n", t / m, n, c / m, (t + c) / m}'
if [ "$total" -ge "$limit" ]; then
  echo "TOO LARGE for one device run: leave something out" >&2
  exit 1
fi
echo "ready. Device run: command 'bash benchmarks/gpu.sh', carry [\"$CARRY\"], timeout_s 600"
