"""Benchmark: the Kùzu vector index path of ``match --method index``, before / after issue 4.

N random patents and P random papers (``--dims`` dims, standard normal, years uniform over
1990–2019 for both), a cosine HNSW index over the patents (``KuzuStore.create_vector_index``,
efs 200). For each paper the best patent of the paper's year or later (k = 1), three ways:

- ``before``: one statement per paper, ``k·oversample`` neighbours, year filter afterwards,
  4× more while none eligible came back (the pre-issue-4 ``_index_match`` loop, batch=1);
- ``after, oversample``: the same filter-afterwards logic, ``--batch`` papers per statement
  (``UNION ALL`` of index calls) — what a store without the in-index filter does;
- ``after, in-index filter``: ``vector_query(min_year=…)``: one projected graph per distinct
  paper year (``year >= y``), k neighbours, ``--batch`` papers per statement.

Prints papers/s (queries per second, wall time of all P papers) and recall@1 against exact
filtered search (numpy, all P papers), plus the machine and the command.

    python benchmarks/bench_vector_index.py                       # 2,000 × 2,000 × 64
    python benchmarks/bench_vector_index.py --n 5000 --papers 3000 --dims 384
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from innograph.graph import schema  # noqa: E402
from innograph.graph.store import open_store  # noqa: E402
from machine import describe  # noqa: E402


def filter_after(store, Q, py, qy, pos, k, oversample, batch, m):
    """Best eligible patent per row: k·oversample neighbours, filter, grow 4× while short."""
    best = np.full(len(Q), -1, np.int64)
    fetch = min(m, k * oversample)
    todo = np.arange(len(Q))
    while len(todo):
        res = store.vector_query(schema.PATENT, Q[todo], fetch, batch=batch)
        again = []
        for r, (ids, cos) in zip(todo, res):
            js = np.array([pos[i] for i in ids], np.int64)
            ok = qy[js] >= py[r] if len(js) else np.zeros(0, bool)
            if ok.sum() < k and len(ids) >= fetch and fetch < m:
                again.append(r)
            elif ok.any():
                best[r] = js[ok][np.argmax(np.asarray(cos)[ok])]
        todo = np.array(again, np.int64)
        fetch = min(m, fetch * 4)
    return best


def in_index(store, Q, py, pos, batch):
    res = store.vector_query(schema.PATENT, Q, 1, min_year=py, batch=batch)
    return np.array([pos[ids[0]] if ids else -1 for ids, _ in res], np.int64)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=2000, help="patents")
    ap.add_argument("--papers", type=int, default=2000)
    ap.add_argument("--dims", type=int, default=64)
    ap.add_argument("--oversample", type=int, default=10)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    print("machine:", describe())
    print("command: python benchmarks/bench_vector_index.py " + " ".join(sys.argv[1:]))
    rng = np.random.default_rng(a.seed)
    X = rng.standard_normal((a.n, a.dims)).astype(np.float32)
    Q = rng.standard_normal((a.papers, a.dims)).astype(np.float32)
    qy = rng.integers(1990, 2020, a.n)
    py = rng.integers(1990, 2020, a.papers)
    ids = [f"P{i:07d}" for i in range(a.n)]
    pos = {i: j for j, i in enumerate(ids)}
    Xn = X / np.linalg.norm(X, axis=1, keepdims=True)
    S = (Q / np.linalg.norm(Q, axis=1, keepdims=True)) @ Xn.T
    S[qy[None, :] < py[:, None]] = -np.inf
    exact = np.where(np.isfinite(S.max(1)), S.argmax(1), -1)
    has = exact >= 0
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(os.path.join(tmp, "g.db"))
        store.upsert_nodes(schema.PATENT, pa.table({
            "id": ids, "year": pa.array(qy, pa.int64()),
            "embedding": pa.array(list(X), pa.list_(pa.float32())), "embedding_model": ["m"] * a.n}))
        t = time.perf_counter()
        store.create_vector_index(schema.PATENT)
        print(f"index build: {a.n} × {a.dims}: {time.perf_counter() - t:.2f} s")
        runs = [
            ("before: 1 row/statement, oversample", lambda: filter_after(
                store, Q, py, qy, pos, 1, a.oversample, 1, a.n)),
            (f"after: {a.batch} rows/statement, oversample", lambda: filter_after(
                store, Q, py, qy, pos, 1, a.oversample, a.batch, a.n)),
            (f"after: {a.batch} rows/statement, in-index year filter", lambda: in_index(
                store, Q, py, pos, a.batch)),
        ]
        print(f"{a.papers} papers × {a.n} patents × {a.dims} dims, k=1, efs=200, "
              f"oversample {a.oversample}; {int(has.sum())} papers have an eligible patent")
        print(f"{'path':<52} {'papers/s':>9} {'recall@1':>9}")
        for name, fn in runs:
            t = time.perf_counter()
            got = fn()
            secs = time.perf_counter() - t
            rec = float((got[has] == exact[has]).mean())
            assert (got[~has] == -1).all()
            print(f"{name:<52} {a.papers / secs:>9.0f} {rec:>9.3f}")
        store.close()


if __name__ == "__main__":
    main()
