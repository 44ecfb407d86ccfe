"""Load throughput of the embedded store: end to end (records → ingest) and the raw bulk path.

Prints rows/s (documents/s and edges/s), wall time and peak memory (ru_maxrss) for:
  1. the real sets in ../shared/data (when present), through their loaders;
  2. a synthetic streaming corpus of N documents with K keywords each over a Zipfian
     vocabulary (``--docs 200000 --keywords 10``; issue 9's scale is ``--docs 1000000``);
  3. Kùzu's raw ``COPY FROM arrow`` of the same nodes and edges, no diffing (the floor).

Usage:
    python benchmarks/bench_load.py --docs 200000 --keywords 10
    python benchmarks/bench_load.py --docs 1000000 --keywords 10 --skip-real
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Iterator

import numpy as np
import pyarrow as pa

from innograph.graph.store import open_store
from innograph.loaders.records import Document, RejectLog
from innograph.pipeline.ingest import ingest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def stream_docs(n: int, k: int, vocab: int = 100_000, seed: int = 0) -> Iterator[Document]:
    """``n`` documents (half papers, half patents), ``k`` Zipf-drawn keywords each."""
    rng = np.random.default_rng(seed)
    for i in range(n):
        ranks = rng.zipf(1.3, size=3 * k) % vocab
        kws = list(dict.fromkeys(f"term {r}" for r in ranks))[:k]
        kind = "paper" if i % 2 == 0 else "patent"
        yield Document(kind=kind, id=f"{kind[0]}{i}", title=f"document {i}",
                       abstract="synthetic abstract " * 5, year=1990 + i % 31,
                       year_source="synthetic", keywords=kws, file="synthetic", line=i + 1)


def run_ingest(name: str, records: Iterator, db: str, batch: int) -> None:
    store = open_store(db, buffer_pool_mb=2048)
    t0 = time.perf_counter()
    s = ingest(store, records, RejectLog(None), batch_size=batch)
    dt = time.perf_counter() - t0
    counts = store.stats()
    store.close()
    edges = sum(v for k, v in counts.items() if k.isupper())
    print(f"{name:32s} docs {s.documents:>9,}  edges {edges:>10,}  {dt:8.1f} s  "
          f"{s.documents / dt:>9,.0f} docs/s  {edges / dt:>10,.0f} edges/s  "
          f"rejected {s.rejected}  peak RSS {peak_mb():,.0f} MB", flush=True)


def run_raw_copy(n: int, k: int, db: str) -> None:
    """Kùzu COPY of pre-built arrow tables: the engine's bulk floor, no key diff."""
    import importlib.util  # noqa: F401
    import kuzu

    docs = list(stream_docs(n, k))
    ids = [d.id for d in docs if d.kind == "paper"]
    kw = sorted({x for d in docs for x in d.keywords})
    src = [d.id for d in docs if d.kind == "paper" for _ in d.keywords]
    dst = [x for d in docs if d.kind == "paper" for x in d.keywords]
    papers = pa.table({"id": ids})
    keywords = pa.table({"name": kw})
    edges = pa.table({"from": src, "to": dst})
    db_ = kuzu.Database(db, buffer_pool_size=2048 * 1024 ** 2)
    c = kuzu.Connection(db_)
    c.execute("CREATE NODE TABLE Paper(id STRING PRIMARY KEY)")
    c.execute("CREATE NODE TABLE Keyword(name STRING PRIMARY KEY)")
    c.execute("CREATE REL TABLE HAS_KEYWORD(FROM Paper TO Keyword)")
    t0 = time.perf_counter()
    c.execute("COPY Paper FROM papers")
    c.execute("COPY Keyword FROM keywords")
    c.execute("COPY HAS_KEYWORD FROM edges")
    dt = time.perf_counter() - t0
    rows = papers.num_rows + keywords.num_rows + edges.num_rows
    print(f"{'raw COPY (papers only)':32s} nodes {papers.num_rows + keywords.num_rows:>8,}  "
          f"edges {edges.num_rows:>10,}  {dt:8.1f} s  {rows / dt:>10,.0f} rows/s", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=200_000)
    ap.add_argument("--keywords", type=int, default=10)
    ap.add_argument("--batch", type=int, default=20_000)
    ap.add_argument("--skip-real", action="store_true")
    ap.add_argument("--skip-raw", action="store_true")
    a = ap.parse_args()
    print(f"# innograph load benchmark — {platform.node()} {platform.machine()}, "
          f"{os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"# command: {' '.join(sys.argv)}")
    tmp = Path(tempfile.mkdtemp(prefix="innograph-bench-"))
    try:
        if not a.skip_real and SHARED.exists():
            from innograph.loaders import LOADERS

            for name, loader, path in [
                ("google-patents neural-network", "google-patents",
                 SHARED / "patents" / "google-patents-neural-network.csv"),
                ("google-patents baseball", "google-patents",
                 SHARED / "patents" / "google-patents-baseball.csv"),
                ("arxiv 2007 snapshot", "arxiv", SHARED / "papers" / "arxiv-2007-snapshot.csv"),
                ("arxiv 2023 affiliations", "arxiv",
                 SHARED / "papers" / "arxiv-2023-with-affiliations.csv"),
                ("uspto design xml", "uspto-xml", SHARED / "uspto-design"),
            ]:
                run_ingest(name, LOADERS[loader](path), str(tmp / f"{loader}-{name[-4:]}.db"), a.batch)
        elif not a.skip_real:
            print(f"# real data skipped: {SHARED} not found")
        run_ingest(f"synthetic {a.docs:,} x {a.keywords} kw", stream_docs(a.docs, a.keywords),
                   str(tmp / "synthetic.db"), a.batch)
        if not a.skip_raw:
            run_raw_copy(a.docs, a.keywords, str(tmp / "raw.db"))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
