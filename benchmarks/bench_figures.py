"""USPTO grant XML parsing rate, caption embedding rate, figure search latency, and R@k.

1. Parse: a weekly-style file built from the 20 real design grants of ``shared/data``
   repeated ``--repeat`` times (each copy with its own declaration and DOCTYPE), streamed
   through ``read_uspto_xml``: documents/s, MB/s, figures/s, peak memory.
2. Embed + search: the 20 grants written into a fresh Kùzu store; the first
   ``search_figures`` call (model load + caption embedding), then warm calls (cache hit:
   query embedding + exact ranking).
3. ``evaluate_retrieval`` (caption and title queries) on the 20 grants, with chance levels.

    python benchmarks/bench_figures.py --repeat 250
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa

from machine import describe  # benchmarks/machine.py (the script's own folder)

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT.parent / "shared" / "data" / "uspto-design"


def machine() -> str:
    return describe()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=250, help="copies of the 20 grants (parse)")
    ap.add_argument("--searches", type=int, default=5)
    args = ap.parse_args()
    if not DATA.is_dir():
        sys.exit(f"real data absent: {DATA}")
    from innograph.graph import schema
    from innograph.graph.store import open_store
    from innograph.loaders.records import Document
    from innograph.loaders.uspto_xml import read_uspto_xml
    from innograph.pipeline import figure_search as pf

    print(f"machine: {machine()}")
    print(f"command: python benchmarks/bench_figures.py --repeat {args.repeat}")
    files = sorted(DATA.glob("*.XML"))
    blob = b"".join(f.read_bytes() for f in files)
    with tempfile.TemporaryDirectory() as tmp:
        weekly = Path(tmp) / "ipg-bench.xml"
        with open(weekly, "wb") as out:
            for _ in range(args.repeat):
                out.write(blob)
        mb = weekly.stat().st_size / 1e6
        t0, cpu0 = time.perf_counter(), time.process_time()
        n_docs = n_figs = 0
        for r in read_uspto_xml(weekly):
            if isinstance(r, Document):
                n_docs += 1
                n_figs += len(r.figures)
        wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"parse: {n_docs:,} grants, {n_figs:,} figures, {mb:.1f} MB in {wall:.2f} s "
              f"wall ({cpu:.2f} s CPU): {n_docs / wall:,.0f} docs/s, {mb / wall:.1f} MB/s, "
              f"{n_docs / cpu:,.0f} docs per CPU-s; peak RSS {rss:,.0f} MB")

        docs = [d for d in read_uspto_xml(DATA) if isinstance(d, Document)]
        store = open_store(str(Path(tmp) / "g.db"))
        store.upsert_nodes(schema.PATENT, pa.table({"id": [d.id for d in docs],
                                                    "title": [d.title for d in docs]}))
        figs = [f for d in docs for f in d.figures]
        store.upsert_nodes(schema.FIGURE, pa.table(
            {k: [f[k] for f in figs] for k in ("id", "number", "caption", "file")}))
        store.upsert_edges(schema.HAS_FIGURE, schema.PATENT, schema.FIGURE, pa.table({
            "src": [d.id for d in docs for _ in d.figures], "dst": [f["id"] for f in figs]}))
        t0 = time.perf_counter()
        pf.search_figures(store, "shaving razor cartridge", k=10)
        cold = time.perf_counter() - t0
        queries = ["soccer ball spoon", "game piece", "animated graphical user interface",
                   "shoe", "belt buckle", "quilted fabric", "connector terminal"]
        t0 = time.perf_counter()
        for q in queries[:args.searches]:
            pf.search_figures(store, q, k=10)
        warm = (time.perf_counter() - t0) / min(args.searches, len(queries))
        print(f"search: {len(figs)} figures; first call {cold:.2f} s (model load + caption "
              f"embedding), then {warm * 1000:.0f} ms per query (embeddings cached)")
        for mode in ("caption", "title"):
            t0 = time.perf_counter()
            ev = pf.evaluate_retrieval(store, mode)
            el = time.perf_counter() - t0
            print(f"evaluate {mode}: {ev['queries']} queries over {ev['patents']} patents, "
                  f"R@1 {ev['R@1']:.3f} R@5 {ev['R@5']:.3f} R@10 {ev['R@10']:.3f} "
                  f"(chance {ev['chance@1']:.3f} / {ev['chance@5']:.3f} / "
                  f"{ev['chance@10']:.3f}), median rank {ev['median_rank']:.0f}; {el:.2f} s")
        store.close()


if __name__ == "__main__":
    main()
