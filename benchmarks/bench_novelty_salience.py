"""How the salience choice shifts novelty across corpus sizes (README, "Novelty").

Planted-partition hypergraphs (tests/test_mmsb.py's generator) of N documents; the same 200
probe hyperedges (the first 200 documents, present in every N) are scored by a fit on all
N documents with ``salience='freq'`` (r_i = s n_i / max n, s fitted) and ``'paper'``
(r_i = n_i / max n, s = 1). Prints a Markdown table: median novelty of the probes, the
fitted scale s, and the Spearman correlation of the probes' scores with those at the
smallest N (does the ranking survive the change of size?).

    python benchmarks/bench_novelty_salience.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from scipy.stats import spearmanr

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from innograph.models import mmsb  # noqa: E402
from tests.test_mmsb import K, planted  # noqa: E402


def main() -> None:
    sizes = (500, 1000, 2000, 4000)
    x_all, *_ = planted(seed=11, n_edges=max(sizes), n_cross=0)
    probes = x_all[:200]
    ref: dict[str, np.ndarray] = {}
    print("| N documents | salience | median novelty of the 200 probes | s | Spearman vs N=500 |")
    print("|---|---|---|---|---|")
    for n in sizes:
        for sal in ("freq", "paper"):
            f = mmsb.fit(x_all[:n], K, seed=0, salience=sal, verbose=False, max_iter=200)
            nov = f.novelty(probes)
            ref.setdefault(sal, nov)
            rho = spearmanr(ref[sal], nov).statistic
            print(f"| {n} | {sal} | {np.median(nov):.2f} | {f.r_scale:.3g} | {rho:.3f} |",
                  flush=True)


if __name__ == "__main__":
    main()
