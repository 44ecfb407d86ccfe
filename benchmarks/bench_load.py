"""Load throughput of the embedded store: end to end (records → ingest) and the raw bulk path.

Issue 19 (the default, ``--corpus deepinnovation``): a DeepInnovationAI-shaped corpus
(``deep_corpus.write_corpus``: ``--docs`` documents, half patents half papers, 8–12
keywords each from a Zipfian vocabulary of 117k phrases, one best-match row per patent)
written as the three CSVs, then, in ONE run on the same files:
  a. the floor: bare pyarrow CSV read + vectorised keyword explode + Kùzu COPY of the
     documents (every CSV column), keywords, keyword edges and best-match edges into a
     fresh store (no validation, no normalisation, no idempotency);
  b. ``innograph load deepinnovation`` end to end, columnar engine (the CLI default);
  c. (``--row``) the same through the row engine.
It prints each time, the ratio floor / columnar (goal ≥ 0.25), peak memory (ru_maxrss)
and the projection to the published files (5.87M documents).

    python benchmarks/bench_load.py --docs 100000 --row
    python benchmarks/bench_load.py --docs 1000000

The older synthetic benchmark (records → ingest, issue 9) is ``--corpus synthetic``:

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
import pyarrow.compute as pc

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


PUBLISHED_DOCS = 5_870_000


def _read_corpus(folder: Path) -> tuple[pa.Table, pa.Table, pa.Table]:
    import pyarrow.csv as pcsv

    from innograph.graph import schema

    def read(name: str, header: list[str]) -> pa.Table:
        return pcsv.read_csv(folder / name, convert_options=pcsv.ConvertOptions(
            column_types={h: pa.string() for h in header}, strings_can_be_null=False))

    return (read(schema.DEEP_DIVE_CSV, schema.DEEP_DIVE_HEADER),
            read(schema.DEEP_PATENT_CSV, schema.DEEP_PATENT_HEADER),
            read(schema.DEEP_COSINE_CSV, schema.DEEP_COSINE_HEADER))


def _explode(t: pa.Table) -> pa.Table:
    """Keyword list cells (JSON lists / list literals of the corpus) → (document, keyword),
    with the keyword's position; no normalisation."""
    inner = pc.replace_substring_regex(t.column("Keywords"), r"^\[[\"']|[\"']\]$", "")
    lists = pc.split_pattern_regex(inner, r"[\"'], [\"']")
    parents = pc.list_parent_indices(lists)
    offsets = lists.combine_chunks().offsets.to_numpy() if isinstance(
        lists, pa.ChunkedArray) else lists.offsets.to_numpy()
    pos = np.arange(len(parents)) - np.repeat(offsets[:-1], np.diff(offsets)) + 1
    return pa.table({"from": pc.take(t.column("ID"), parents), "to": pc.list_flatten(lists),
                     "rank": pa.array(pos, pa.int64())})


def deep_floor(folder: Path, db: str) -> tuple[float, int]:
    """The engine's floor as issue 19 defines it: bare pyarrow read, vectorised explode, Kùzu
    COPY of the documents (every CSV column), keywords, keyword edges and best-match edges
    into a fresh store of bare tables (edges without properties); (seconds, rows)."""
    import kuzu

    t0 = time.perf_counter()
    dive, pat, cos = _read_corpus(folder)
    e1, e2 = _explode(dive).select(["from", "to"]), _explode(pat).select(["from", "to"])
    kw = pa.table({"name": pc.unique(pa.concat_arrays([e1.column("to").combine_chunks(),
                                                       e2.column("to").combine_chunks()]))})
    papers = dive.rename_columns([c.replace(" ", "_") for c in dive.column_names])
    patents = pat.rename_columns([c.replace(" ", "_") for c in pat.column_names])
    links = pa.table({"from": cos.column("Paper_ID"), "to": cos.column("Patent_ID"),
                      "score": pc.cast(cos.column("Cosine similarity"), pa.float64())})
    db_ = kuzu.Database(db, buffer_pool_size=2048 * 1024 ** 2)
    c = kuzu.Connection(db_)
    c.execute("CREATE NODE TABLE Paper(" + ", ".join(
        f"{h} STRING" + (" PRIMARY KEY" if h == "ID" else "") for h in papers.column_names) + ")")
    c.execute("CREATE NODE TABLE Patent(" + ", ".join(
        f"{h} STRING" + (" PRIMARY KEY" if h == "ID" else "") for h in patents.column_names) + ")")
    c.execute("CREATE NODE TABLE Keyword(name STRING PRIMARY KEY)")
    c.execute("CREATE REL TABLE HAS_KEYWORD(FROM Paper TO Keyword, FROM Patent TO Keyword)")
    c.execute("CREATE REL TABLE SIMILAR_TO(FROM Paper TO Patent, score DOUBLE)")
    c.execute("COPY Paper FROM papers")
    c.execute("COPY Patent FROM patents")
    c.execute("COPY Keyword FROM kw")
    c.execute("COPY HAS_KEYWORD FROM e1 (from='Paper', to='Keyword')")
    c.execute("COPY HAS_KEYWORD FROM e2 (from='Patent', to='Keyword')")
    c.execute("COPY SIMILAR_TO FROM links")
    dt = time.perf_counter() - t0
    c.close()
    db_.close()
    rows = papers.num_rows + patents.num_rows + kw.num_rows + e1.num_rows + e2.num_rows \
        + links.num_rows
    return dt, rows


def deep_floor_schema(folder: Path, db: str) -> tuple[float, int]:
    """The same COPYs into innograph's own schema (a fresh store: Paper/Patent with all
    their columns, HAS_KEYWORD with score/source/model/rank, SIMILAR_TO with its
    properties): what Kùzu costs for the graph's property layout, still without
    validation, normalisation, keys or diffs; (seconds, rows)."""
    from innograph.graph import schema

    t0 = time.perf_counter()
    dive, pat, cos = _read_corpus(folder)
    e1, e2 = _explode(dive), _explode(pat)
    kw = pa.table({"name": pc.unique(pa.concat_arrays([e1.column("to").combine_chunks(),
                                                       e2.column("to").combine_chunks()]))})
    store = open_store(db, buffer_pool_mb=2048)

    def num(col: pa.ChunkedArray, t: pa.DataType) -> pa.ChunkedArray:
        return pc.cast(pc.if_else(pc.equal(col, ""), None, col), t)

    def docs(t: pa.Table, cols: dict[str, str]) -> pa.Table:
        out = {}
        for csv_col, prop in cols.items():
            v = t.column(csv_col)
            typ = {"year": pa.int64(), "cited": pa.int64(), "novelty": pa.float64()}.get(prop)
            out[prop] = num(v, typ) if typ else v
        return pa.table(out)

    store.copy_nodes(schema.PAPER, docs(dive, schema.DEEP_DIVE_COLUMNS))
    store.copy_nodes(schema.PATENT, docs(pat, schema.DEEP_PATENT_COLUMNS))
    store.copy_nodes(schema.KEYWORD, kw)

    def kwe(e: pa.Table) -> pa.Table:
        n = e.num_rows
        return pa.table({"src": e.column("from"), "dst": e.column("to"),
                         "score": pa.nulls(n, pa.float64()),
                         "source": pa.array(np.full(n, "input", object), pa.string()),
                         "rank": e.column("rank")})

    store.copy_edges(schema.HAS_KEYWORD, schema.PAPER, schema.KEYWORD, kwe(e1))
    store.copy_edges(schema.HAS_KEYWORD, schema.PATENT, schema.KEYWORD, kwe(e2))
    n = cos.num_rows
    store.copy_edges(schema.SIMILAR_TO, schema.PAPER, schema.PATENT, pa.table({
        "src": cos.column("Paper_ID"), "dst": cos.column("Patent_ID"),
        "score": pc.cast(cos.column("Cosine similarity"), pa.float64()),
        "rank": pa.array(np.ones(n, np.int64)),
        "method": pa.array(np.full(n, "input", object), pa.string())}))
    dt = time.perf_counter() - t0
    store.close()
    return dt, dive.num_rows + pat.num_rows + kw.num_rows + e1.num_rows + e2.num_rows + n


def deep_load(folder: Path, db: str, engine: str, stats: dict | None = None
              ) -> tuple[float, dict]:
    """``innograph load deepinnovation`` as the CLI runs it (no progress bar); (s, summary)."""
    from innograph.loaders.deepinnovation import read_deepinnovation
    from innograph.pipeline.ingest_columnar import ingest_deepinnovation_columnar

    store = open_store(db, buffer_pool_mb=2048)
    t0 = time.perf_counter()
    if engine == "columnar":
        s = ingest_deepinnovation_columnar(store, folder, RejectLog(None), stats=stats)
    else:
        s = ingest(store, read_deepinnovation(folder), RejectLog(None))
    dt = time.perf_counter() - t0
    store.close()
    return dt, s.as_dict()


def run_part(part: str, folder: Path, db: str) -> None:
    """One measurement in this (fresh) process; prints one JSON line."""
    import json

    import pandas  # noqa: F401  (imported before any clock starts)
    import pyarrow.csv  # noqa: F401
    import pyarrow.parquet  # noqa: F401

    out: dict = {"part": part}
    if part == "floor":
        out["seconds"], out["rows"] = deep_floor(folder, db)
    elif part == "floor-schema":
        out["seconds"], out["rows"] = deep_floor_schema(folder, db)
    else:
        stats: dict = {}
        out["seconds"], out["summary"] = deep_load(folder, db, part, stats)
        out["index_bytes"] = stats.get("index_bytes", 0)
    out["peak_mb"] = peak_mb()
    print("RESULT " + json.dumps(out), flush=True)


def main_deep(a: argparse.Namespace, tmp: Path) -> None:
    import json
    import subprocess

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from deep_corpus import write_corpus

    folder = Path(a.corpus_dir) if a.corpus_dir else tmp / "corpus"
    if not (folder / "DeepDiveAI.csv").exists():
        t0 = time.perf_counter()
        info = write_corpus(folder, a.docs // 2, a.docs - a.docs // 2)
        print(f"# corpus: {info['documents']:,} documents, {info['keyword_cells']:,} keyword "
              f"cells, {info['links']:,} best-match rows ({time.perf_counter() - t0:.1f} s to "
              f"write, {sum(f.stat().st_size for f in folder.iterdir()) / 1e6:,.0f} MB)",
              flush=True)
    print("# each measurement in its own process, one after the other, on the same files; "
          f"load average before: {os.getloadavg()[0]:.1f}", flush=True)

    def part(name: str) -> dict:
        p = subprocess.run([sys.executable, __file__, "--part", name, "--corpus-dir",
                            str(folder), "--db", str(tmp / f"{name}.db")],
                           capture_output=True, text=True)
        lines = [x for x in p.stdout.splitlines() if x.startswith("RESULT ")]
        if p.returncode or not lines:
            raise SystemExit(f"{name} failed:\n{p.stdout[-2000:]}\n{p.stderr[-3000:]}")
        return json.loads(lines[-1][7:])

    floor = part("floor")
    print(f"{'floor: read + explode + COPY':34s} {floor['seconds']:8.2f} s   "
          f"{floor['rows']:>11,} rows   {floor['rows'] / floor['seconds']:>11,.0f} rows/s   "
          f"peak RSS {floor['peak_mb']:,.0f} MB", flush=True)
    sfloor = part("floor-schema")
    print(f"{'same COPYs, innograph schema':34s} {sfloor['seconds']:8.2f} s   "
          f"{sfloor['rows']:>11,} rows   {sfloor['rows'] / sfloor['seconds']:>11,.0f} rows/s   "
          f"peak RSS {sfloor['peak_mb']:,.0f} MB", flush=True)
    col = part("columnar")
    s, dt = col["summary"], col["seconds"]
    edges = sum(v for k, v in s["inserted"].items() if k.isupper())
    print(f"{'load deepinnovation (columnar)':34s} {dt:8.2f} s   {s['documents']:>11,} docs   "
          f"{s['documents'] / dt:>11,.0f} docs/s   edges {edges:,}   rejected {s['rejected']}   "
          f"peak RSS {col['peak_mb']:,.0f} MB", flush=True)
    print(f"ratio floor / columnar: {floor['seconds'] / dt:.3f}  (goal >= 0.25); "
          f"schema floor / columnar: {sfloor['seconds'] / dt:.3f}")
    n = max(s["documents"], 1)
    per_doc = col["index_bytes"] / n
    scale = PUBLISHED_DOCS / n
    proj = col["peak_mb"] / 1024 + (PUBLISHED_DOCS - n) * per_doc / 2 ** 30
    print(f"held for the whole load: {col['index_bytes'] / 1e6:,.0f} MB ({per_doc:.0f} bytes "
          f"per document); projection to the published files ({PUBLISHED_DOCS:,} documents): "
          f"{dt * scale / 60:,.1f} min at this rate (linear), peak memory {proj:.1f} GB "
          f"(this peak, buffer pool 2 GB included, + {per_doc:.0f} bytes per further "
          "document; goal <= 6 GB)", flush=True)
    if a.row:
        row = part("row")
        dt2, s2 = row["seconds"], row["summary"]
        print(f"{'load deepinnovation (row)':34s} {dt2:8.2f} s   {s2['documents']:>11,} docs   "
              f"{s2['documents'] / dt2:>11,.0f} docs/s   ratio floor / row "
              f"{floor['seconds'] / dt2:.3f}   peak RSS {row['peak_mb']:,.0f} MB", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", choices=["deepinnovation", "synthetic"], default="deepinnovation")
    ap.add_argument("--corpus-dir", help="reuse (or write) the corpus CSVs here")
    ap.add_argument("--row", action="store_true", help="also time the row engine (slow)")
    ap.add_argument("--part", help=argparse.SUPPRESS)  # one measurement (a child process)
    ap.add_argument("--db", help=argparse.SUPPRESS)
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--keywords", type=int, default=10)
    ap.add_argument("--batch", type=int, default=20_000)
    ap.add_argument("--skip-real", action="store_true")
    ap.add_argument("--skip-raw", action="store_true")
    a = ap.parse_args()
    if a.part:
        run_part(a.part, Path(a.corpus_dir), a.db)
        return
    print(f"# innograph load benchmark — {platform.node()} {platform.machine()}, "
          f"{os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"# command: {' '.join(sys.argv)}")
    tmp = Path(tempfile.mkdtemp(prefix="innograph-bench-"))
    if a.corpus == "deepinnovation":
        try:
            main_deep(a, tmp)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return
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
