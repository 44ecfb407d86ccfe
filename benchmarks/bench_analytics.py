"""Benchmark of the ``innograph analyze`` analyses on a synthetic co-application graph.

Builds a Kùzu store of N patents (2012–2021) with 1–4 applicants each, drawn from A
applicants in 31 regions (heavy-tailed: a few applicants file most), plus 3 keywords per
patent from a 2,000-term vocabulary, then times each analysis end to end (store queries +
analytics + CSV + PNG). Prints the figures, the machine and the command.

    python benchmarks/bench_analytics.py --patents 50000 --applicants 5000
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa

from innograph.graph import schema as S
from innograph.graph.store import open_store
from innograph.pipeline import analyze as az


def build(store, n_pat: int, n_app: int, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    regions = [f"R{i:02d}" for i in range(31)]
    app = [f"a{i}" for i in range(n_app)]
    store.upsert_nodes(S.APPLICANT, pa.table({
        "id": app, "name": app,
        "region": list(rng.choice(regions, size=n_app, p=np.r_[np.full(5, 0.12), np.full(26, 0.4 / 26)]))}))
    pats = [f"P{i}" for i in range(n_pat)]
    store.upsert_nodes(S.PATENT, pa.table({"id": pats,
                                           "year": rng.integers(2012, 2022, size=n_pat)}))
    w = 1.0 / np.arange(1, n_app + 1) ** 0.8
    w /= w.sum()
    src, dst = [], []
    for p, k in zip(pats, rng.choice([1, 2, 3, 4], size=n_pat, p=[0.5, 0.3, 0.15, 0.05])):
        for a in set(rng.choice(n_app, size=k, p=w)):
            src.append(app[a])
            dst.append(p)
    store.upsert_edges(S.APPLIED_FOR, S.APPLICANT, S.PATENT, pa.table({"src": src, "dst": dst}))
    vocab = [f"term{i}" for i in range(2000)]
    store.upsert_nodes(S.KEYWORD, pa.table({"name": vocab}))
    tw = 1.0 / np.arange(1, 2001)
    tw /= tw.sum()
    ks = [(p, vocab[t]) for p in pats for t in set(rng.choice(2000, size=3, p=tw))]
    store.upsert_edges(S.HAS_KEYWORD, S.PATENT, S.KEYWORD,
                       pa.table({"src": [a for a, _ in ks], "dst": [b for _, b in ks]}))


def timed(label: str, fn):
    t = time.perf_counter()
    res = fn()
    dt = time.perf_counter() - t
    print(f"{label:52s} {dt:8.2f} s")
    return res


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--patents", type=int, default=50_000)
    ap.add_argument("--applicants", type=int, default=5_000)
    ap.add_argument("--betweenness-k", type=int, default=None)
    a = ap.parse_args()
    print("command:", " ".join([Path(sys.executable).name] + sys.argv))
    print("machine:", platform.platform(), platform.processor() or "", f"{os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as d:
        store = open_store(str(Path(d) / "g.db"))
        timed(f"build store ({a.patents} patents, {a.applicants} applicants)",
              lambda: build(store, a.patents, a.applicants))
        out = Path(d) / "out"
        r = timed("analyze cooperation --by region --years 2012-2021",
                  lambda: az.analyze_cooperation(store, years=(2012, 2021), out=out))
        print("   ", r.summary)
        r = timed("analyze network --nodes region --window 3",
                  lambda: az.analyze_network(store, nodes="region", window=3, out=out))
        r = timed(f"analyze network --nodes applicant (betweenness_k={a.betweenness_k})",
                  lambda: az.analyze_network(store, nodes="applicant", out=out,
                                             betweenness_k=a.betweenness_k))
        print("   ", {k: r.summary[k] for k in ("nodes", "edges", "density", "communities")})
        r = timed("analyze cooccurrence --of keyword (per year, top 100)",
                  lambda: az.analyze_cooccurrence(store, of="keyword", out=out))
        print("   ", r.summary)
        store.close()


if __name__ == "__main__":
    main()
