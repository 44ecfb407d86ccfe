"""The columnar ``load deepinnovation`` (issue 19) against the row path and against pandas.

Each case loads the same files through the row path (``read_deepinnovation`` →
``ingest``) and the columnar path (``ingest_deepinnovation_columnar``) into two fresh
stores and requires the identical graph (``fingerprint``) and the identical rejects
(file, line, field, reason). The files are DeepInnovationAI-shaped (``benchmarks/
deep_corpus.py``) with list-literal keywords, PNs with kind codes, DOIs and arXiv DOIs,
exact and conflicting duplicates, and the bad rows of ``test_loaders_bad_input``.
Then: reruns change nothing, Parquet input gives the CSV's graph, a load killed with
SIGKILL and rerun ends with the clean load's graph, and the counts agree with pandas.
"""

from __future__ import annotations

import csv
import io
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest

from innograph.graph import schema
from innograph.graph.fingerprint import fingerprint
from innograph.graph.store import open_store
from innograph.loaders.deepinnovation import read_deepinnovation
from innograph.loaders.records import RejectLog
from innograph.identity import normalize_keyword
from innograph.pipeline.ingest import ingest
from innograph.pipeline.ingest_columnar import ingest_deepinnovation_columnar

from .test_loaders_bad_input import FUTURE, _deep_folder, _dive_row, table_bytes

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from deep_corpus import write_corpus  # noqa: E402


def _load(db: Path, folder: Path, engine: str, **kw: Any) -> tuple[str, list[tuple], Any]:
    """Load ``folder`` into the store ``db`` with ``engine``; (fingerprint, rejects, summary)."""
    store = open_store(str(db))
    rejects = RejectLog(db.parent / f"{db.name}.rejects.csv")
    try:
        if engine == "row":
            s = ingest(store, read_deepinnovation(folder, require_year=kw.get(
                "require_year", True)), rejects)
        else:
            s = ingest_deepinnovation_columnar(store, folder, rejects, **kw)
        fp = fingerprint(store)
    finally:
        store.close()
    rows = []
    if rejects.path and rejects.path.exists():
        with open(rejects.path, newline="", encoding="utf-8") as f:
            rows = sorted((r["file"], int(r["line"]), r["field"], r["reason"])
                          for r in csv.DictReader(f))
    return fp, rows, s


def _same(tmp: Path, folder: Path, **kw: Any) -> tuple[list[tuple], Any]:
    """Row and columnar loads of ``folder`` agree; returns (rejects, columnar summary)."""
    fp_r, rej_r, s_r = _load(tmp / "row.db", folder, "row", **kw)
    fp_c, rej_c, s_c = _load(tmp / "col.db", folder, "columnar", **kw)
    assert rej_c == rej_r
    assert fp_c == fp_r
    for k in ("documents", "links", "rejected", "duplicates", "codes_invalid", "yearless"):
        assert getattr(s_c, k) == getattr(s_r, k), k
    assert {k: v for k, v in s_c.inserted.items() if v} == \
        {k: v for k, v in s_r.inserted.items() if v}
    return rej_c, s_c


def _append(path: Path, header: list[str], rows: list[dict[str, Any]]) -> None:
    body = table_bytes(header, rows).split(b"\n", 1)[1]
    with open(path, "ab") as f:
        f.write(body)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """300 patents + 300 papers, plus hand-made rows: duplicates, arXiv DOI, odd cells."""
    folder = tmp_path_factory.mktemp("deep")
    write_corpus(folder, 300, 300, vocab=2000, seed=3)
    dive = folder / schema.DEEP_DIVE_CSV
    _append(dive, schema.DEEP_DIVE_HEADER, [
        {**_dive_row(900), "ID": "901", "Doi": "10.48550/arXiv.2505.24868",
         "Keywords": "['Neural Networks', 'neural network', ' graphs ']"},
        {**_dive_row(901), "ID": "902", "Doi": "", "Keywords": "deep learning; GANs ;"},
        {**_dive_row(902), "ID": "903", "Doi": "", "Keywords": "a|b|Deep-Learning"},
        {**_dive_row(903), "ID": "904", "Title": "  spaced   title ", "Name": "Smith, J., Doe, K."},
        {**_dive_row(904), "ID": "905", "Title": "'=SUM(A1)", "Cited": "1,200"},
        {**_dive_row(905), "ID": "906", "Novelty": "1e-3", "Year": "2019.0"},
        {**_dive_row(906), "ID": "907", "Keywords": '["x", 3]'},
        {**_dive_row(907), "ID": "908", "Keywords": '["caf\\u00e9", "na\\"ive"]'},
        {**_dive_row(900), "ID": "901", "Doi": "10.48550/arXiv.2505.24868",
         "Keywords": "['Neural Networks', 'neural network', ' graphs ']"},  # exact duplicate
        {**_dive_row(908), "ID": "909", "Doi": "10.1/908", "Title": "other"},
        {**_dive_row(908), "ID": "909", "Doi": "10.1/908", "Title": "conflict"},
        {**_dive_row(909), "ID": "910", "Year": "", "Doi": ""},
        {**_dive_row(910), "ID": "911", "Year": FUTURE, "Doi": ""},
        {**_dive_row(911), "ID": "", "Doi": ""},
        {**_dive_row(912), "ID": "913", "Keywords": '{"a": 1}', "Doi": ""},
        {**_dive_row(913), "ID": "914", "Cited": "-2", "Doi": ""},
        {**_dive_row(914), "ID": "915", "Novelty": "inf", "Doi": ""},
        {k: "" for k in schema.DEEP_DIVE_HEADER},  # a blank row: skipped, not reported
        {**_dive_row(915), "ID": "916", "Doi": "", "Affiliations": "Samsung Electronics Co., Ltd."},
    ])
    pat = folder / schema.DEEP_PATENT_CSV
    _append(pat, schema.DEEP_PATENT_HEADER, [
        {"ID": "9001", "PN": "US-0912345-B2", "IPC": "G06N0003040000, not a code, 14-04",
         "Title": "t", "Abstract": "a", "Year": "2020", "Keywords": "['Robot arms']",
         "Novelty": ""},
        {"ID": "9002", "PN": "", "IPC": "", "Title": "no pn", "Abstract": "", "Year": "2021",
         "Keywords": "", "Novelty": "0.5"},
        {"ID": "9003", "PN": "US10000001", "IPC": "G06F 17/00", "Title": "dup pn other",
         "Abstract": "x", "Year": "2020", "Keywords": "[]", "Novelty": "0.1"},
        {"ID": "9004", "PN": "D0913312", "IPC": "G06N 3/04 (2006.01)", "Title": "design",
         "Abstract": "x", "Year": "1789", "Keywords": "", "Novelty": ""},
    ])
    _append(folder / schema.DEEP_COSINE_CSV, schema.DEEP_COSINE_HEADER, [
        {"Paper_ID": "901", "Patent_ID": "9001", "Cosine similarity": "0.5"},
        {"Paper_ID": "901", "Patent_ID": "9001", "Cosine similarity": "0.6"},
        {"Paper_ID": "99999", "Patent_ID": "9001", "Cosine similarity": "0.5"},
        {"Paper_ID": "902", "Patent_ID": "88888", "Cosine similarity": "0.5"},
        {"Paper_ID": "902", "Patent_ID": "9002", "Cosine similarity": "1.0000005"},
        {"Paper_ID": "902", "Patent_ID": "9002", "Cosine similarity": "1.5"},
        {"Paper_ID": "", "Patent_ID": "9002", "Cosine similarity": "0.1"},
        {"Paper_ID": "903", "Patent_ID": "9002", "Cosine similarity": "high"},
        {"Paper_ID": " 904 ", "Patent_ID": "9002", "Cosine similarity": " 0.25 "},
    ])
    return folder


def test_same_graph_and_rejects_as_the_row_path(corpus: Path, tmp_path: Path):
    rejects, s = _same(tmp_path, corpus)
    fields = {(r[0].rsplit("/", 1)[-1], r[2]) for r in rejects}
    assert {("DeepDiveAI.csv", "id"), ("DeepDiveAI.csv", "Year"), ("DeepDiveAI.csv", "ID"),
            ("DeepDiveAI.csv", "Keywords"), ("DeepDiveAI.csv", "Cited"),
            ("DeepDiveAI.csv", "Novelty"), ("DeepPatentAI.csv", "id"),
            ("DeepPatentAI.csv", "Year"), ("DeepCosineAI.csv", "Paper_ID"),
            ("DeepCosineAI.csv", "Patent_ID"),
            ("DeepCosineAI.csv", "Cosine similarity")} <= fields
    assert s.duplicates >= 1 and s.codes_invalid == 2


def test_small_blocks_and_missing_year_allowed(corpus: Path, tmp_path: Path):
    """Blocks of 97 rows (duplicates across blocks, links resolved across them) and
    ``require_year=False``: still the row path's graph."""
    store = open_store(str(tmp_path / "a.db"))
    ingest(store, read_deepinnovation(corpus, require_year=False), RejectLog(None))
    want = fingerprint(store)
    store.close()
    store = open_store(str(tmp_path / "b.db"))
    s = ingest_deepinnovation_columnar(store, corpus, RejectLog(None), require_year=False,
                                       block_rows=97)
    assert fingerprint(store) == want and s.yearless == 1
    store.close()


def test_bad_input_fixture_of_the_row_loader(tmp_path: Path):
    """``test_loaders_bad_input``'s DeepInnovationAI folder: the same rejects and graph."""
    rejects, _ = _same(tmp_path, _deep_folder(tmp_path / "deep"))
    assert [(r[1], r[2]) for r in rejects if r[0].endswith("DeepDiveAI.csv")] == [
        (3, "Keywords"), (5, "Keywords"), (6, "Cited"), (7, "Novelty")]


@pytest.mark.parametrize("case", ["quoted-newline", "bad-utf8", "columns", "bom", "crlf",
                                  "bad-quote", "blank-line", "crlf-quoted-newline",
                                  "space-before-quote", "crlf-blank-line", "no-final-newline",
                                  "blank-cells-row"])
def test_files_the_block_reader_cannot_take_alone(case: str, tmp_path: Path):
    """Layouts that pyarrow cannot read with line numbers (a quoted newline, bytes that are
    not UTF-8, a row with extra columns, a BOM, CRLF, a stray quote, a blank line): the row
    reader takes over from that point, the result is the row path's."""
    folder = tmp_path / "deep"
    folder.mkdir()
    rows = [_dive_row(i) for i in range(6)]
    body = table_bytes(schema.DEEP_DIVE_HEADER, rows)
    lines = body.split(b"\n")
    if case == "quoted-newline":
        lines[3] = lines[3].replace(b"We train", b'"We\ntrain', 1).replace(b".,", b'.",', 1)
    elif case == "bad-utf8":
        lines[4] = lines[4].replace(b"Deep nets", b"Deep \xff nets")
    elif case == "columns":
        lines[2] = lines[2] + b",extra"
    elif case == "bom":
        lines[0] = b"\xef\xbb\xbf" + lines[0]
    elif case == "crlf":
        lines = [x + b"\r" if x else x for x in lines]
    elif case == "bad-quote":
        lines[5] = lines[5].replace(b"Deep nets", b'Deep "nets', 1)
    elif case == "blank-line":
        lines.insert(3, b"")
    elif case == "crlf-quoted-newline":
        lines[3] = lines[3].replace(b"We train", b'"We\r\ntrain', 1).replace(b".,", b'.",', 1)
        lines = [x + b"\r" if x else x for x in lines]
    elif case == "crlf-blank-line":
        lines.insert(3, b"")
        lines = [x + b"\r" if i < len(lines) - 1 else x for i, x in enumerate(lines)]
    elif case == "no-final-newline":
        lines = lines[:-1]
    elif case == "blank-cells-row":
        lines.insert(4, b" ," * (len(schema.DEEP_DIVE_HEADER) - 1) + b" ")
    elif case == "space-before-quote":
        lines[2] = lines[2].replace(b",Deep nets", b', "Deep nets"', 1)
    (folder / schema.DEEP_DIVE_CSV).write_bytes(b"\n".join(lines))
    _same(tmp_path, folder)


def test_rerun_changes_nothing_and_mixes_with_the_row_path(corpus: Path, tmp_path: Path):
    db = tmp_path / "g.db"
    fp1, _, _ = _load(db, corpus, "columnar")
    fp2, _, s2 = _load(db, corpus, "columnar")
    assert fp2 == fp1
    assert sum(s2.inserted.values()) == 0 and sum(s2.conflicts.values()) == 0
    assert s2.merged[schema.PAPER] > 0
    db2 = tmp_path / "h.db"
    _load(db2, corpus, "row")
    fp3, _, s3 = _load(db2, corpus, "columnar")
    assert fp3 == fp1 and sum(s3.inserted.values()) == 0


def test_parquet_tables_give_the_csv_graph(corpus: Path, tmp_path: Path):
    """The three tables as Parquet, once all text and once with typed numbers."""
    want, rej_csv, _ = _load(tmp_path / "csv.db", corpus, "columnar")
    for typed in (False, True):
        folder = tmp_path / f"pq{typed}"
        folder.mkdir()
        for name, header in ((schema.DEEP_DIVE_CSV, schema.DEEP_DIVE_HEADER),
                             (schema.DEEP_PATENT_CSV, schema.DEEP_PATENT_HEADER),
                             (schema.DEEP_COSINE_CSV, schema.DEEP_COSINE_HEADER)):
            t = pcsv.read_csv(corpus / name, convert_options=pcsv.ConvertOptions(
                column_types={h: pa.string() for h in header}, strings_can_be_null=False))
            if typed and "Year" in header:  # a clean integer column
                ok = pd.to_numeric(t.column("Year").to_pandas(), errors="coerce")
                t = t.filter(pa.array(ok.notna() & (ok == ok.round())))
                t = t.set_column(header.index("Year"), "Year",
                                 pa.array(ok.dropna().astype("int64")))
            pq.write_table(t, folder / name.replace(".csv", ".parquet"))
        fp, rej, _ = _load(tmp_path / f"pq{typed}.db", folder, "columnar")
        if not typed:
            assert fp == want
            def named(rows: list[tuple], folder: Path) -> list[tuple]:
                return [tuple(str(x).replace(str(folder), "DIR").replace(".parquet", ".csv")
                              for x in r) for r in rows]

            assert named(rej, folder) == named(rej_csv, corpus)
        else:  # rows without a clean Year were left out of the file: compare to the row path
            csv_folder = tmp_path / f"csv{typed}"
            csv_folder.mkdir()
            for f in folder.iterdir():
                pcsv.write_csv(pq.read_table(f).cast(pa.schema(
                    [(n, pa.string()) for n in pq.read_table(f).column_names])),
                    csv_folder / f.name.replace(".parquet", ".csv"))
            row_fp, _, _ = _load(tmp_path / "typed-row.db", csv_folder, "row")
            assert fp == row_fp


def test_counts_match_pandas(corpus: Path, tmp_path: Path):
    """Documents, keyword edges and best-match edges of the generated rows, recomputed with
    pandas from the CSVs (the generated part only: IDs below 900)."""
    store = open_store(str(tmp_path / "g.db"))
    ingest_deepinnovation_columnar(store, corpus, RejectLog(None))
    dive = pd.read_csv(corpus / schema.DEEP_DIVE_CSV, dtype=str, keep_default_na=False)
    gen = dive[dive["ID"].str.fullmatch(r"\d+") & (dive["ID"].str.len() > 0)]
    gen = gen[gen["ID"].astype(int) <= 300]
    kws = gen.assign(k=gen["Keywords"].map(json.loads)).explode("k")
    kws["n"] = kws["k"].map(normalize_keyword)
    want = kws.dropna(subset=["n"]).drop_duplicates(["ID", "n"])
    keys = [d.lower() if d else f"DeepDiveAI:{i}" for d, i in zip(gen["Doi"], gen["ID"])]
    got = store.read_table(
        "MATCH (p:Paper)-[e:HAS_KEYWORD]->(k:Keyword) WHERE p.id IN $ids "
        "RETURN count(e)", {"ids": keys}).column(0)[0].as_py()
    assert got == len(want)
    n_pat = store.read_table("MATCH (p:Patent) WHERE p.id STARTS WITH 'US1' "
                             "RETURN count(p)").column(0)[0].as_py()
    assert n_pat == 300  # US10000001 … US10000300 (9003 duplicates US10000001's key)
    cos = pd.read_csv(corpus / schema.DEEP_COSINE_CSV, dtype=str).head(300)
    got = store.read_table("MATCH (:Paper)-[e:SIMILAR_TO]->(t:Patent) WHERE t.id STARTS WITH "
                           "'US1' RETURN count(e)").column(0)[0].as_py()
    assert got == len(cos.drop_duplicates(["Paper_ID", "Patent_ID"]))
    store.close()


KILL_SCRIPT = """
import sys, time
from innograph.graph.store import open_store
from innograph.loaders.records import RejectLog
from innograph.pipeline.ingest_columnar import ingest_deepinnovation_columnar
s = open_store(sys.argv[1])
print("start", flush=True)
ingest_deepinnovation_columnar(s, sys.argv[2], RejectLog(None), block_rows=int(sys.argv[3]))
s.close()
print("done", flush=True)
"""


def test_killed_load_reruns_to_the_identical_graph(corpus: Path, tmp_path: Path):
    """SIGKILL at random points of a columnar load (blocks of 60 rows: many writes), then a
    rerun to completion: the clean load's graph."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    clean = tmp_path / "clean.db"
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, "-c", KILL_SCRIPT, str(clean), str(corpus), "60"],
                       capture_output=True, text=True, env=env)
    assert p.returncode == 0, p.stderr[-2000:]
    duration = time.perf_counter() - t0
    s = open_store(str(clean))
    want = fingerprint(s)
    s.close()
    rng = random.Random(19)
    db = tmp_path / "killed.db"
    for _ in range(3):
        proc = subprocess.Popen([sys.executable, "-c", KILL_SCRIPT, str(db), str(corpus), "60"],
                                stdout=subprocess.PIPE, text=True, env=env)
        assert proc.stdout is not None and proc.stdout.readline().strip() == "start"
        time.sleep(rng.uniform(0.0, duration * 0.6))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    p = subprocess.run([sys.executable, "-c", KILL_SCRIPT, str(db), str(corpus), "60"],
                       capture_output=True, text=True, env=env)
    assert p.returncode == 0, p.stderr[-2000:]
    s = open_store(str(db))
    assert fingerprint(s) == want
    s.close()


def test_cli_engines_give_one_graph(corpus: Path, tmp_path: Path):
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    fps = []
    for engine in ("row", "columnar"):
        db = tmp_path / f"{engine}.db"
        p = subprocess.run([sys.executable, "-m", "innograph.cli", "load", "deepinnovation",
                            str(corpus), "--db", str(db), "--engine", engine, "--rejects",
                            str(tmp_path / f"{engine}.csv")],
                           capture_output=True, text=True, env=env)
        assert p.returncode == 0, p.stdout[-2000:] + p.stderr[-2000:]
        assert "rejected" in p.stdout + p.stderr
        s = open_store(str(db))
        fps.append(fingerprint(s))
        s.close()
    assert fps[0] == fps[1]
    r = [sorted(csv.reader(io.StringIO((tmp_path / f"{e}.csv").read_text())))
         for e in ("row", "columnar")]
    assert r[0] == r[1]


# ----------------------------------------------- the row loader's own scenarios
def _write(path: Path, header: list[str], rows: list[list]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def _sequence(db: Path, steps: list[Path], engine: str) -> tuple[str, list[list[tuple]], list]:
    """Loads ``steps`` one after the other into ``db``: (fingerprint, rejects per step,
    summaries)."""
    store = open_store(str(db))
    rejects, sums = [], []
    try:
        for i, path in enumerate(steps):
            log = RejectLog(db.parent / f"{db.name}.{i}.csv")
            if engine == "row":
                sums.append(ingest(store, read_deepinnovation(path), log))
            else:
                sums.append(ingest_deepinnovation_columnar(store, path, log))
            rows = []
            if log.path and log.path.exists():
                rows = sorted((r["file"], r["line"], r["field"], r["reason"])
                              for r in csv.DictReader(open(log.path, encoding="utf-8")))
            rejects.append(rows)
        return fingerprint(store), rejects, sums
    finally:
        store.close()


def test_list_literals_then_a_cosine_file_alone(tmp_path: Path):
    """``test_identity``'s published-style files, then a DeepCosineAI.csv loaded on its own
    (its IDs resolved through the stored ``source_ids``), then the first files again."""
    src = tmp_path / "in"
    src.mkdir()
    from .test_identity import write_published_style

    write_published_style(src)
    _write(src / schema.DEEP_COSINE_CSV, schema.DEEP_COSINE_HEADER, [[1, 2, 0.5], [2, 1, 0.25]])
    alone = tmp_path / "alone"
    alone.mkdir()
    _write(alone / schema.DEEP_COSINE_CSV, schema.DEEP_COSINE_HEADER, [[3, 2, 0.125],
                                                                       [9, 2, 0.5]])
    steps = [src, alone / schema.DEEP_COSINE_CSV, src]
    fp_r, rej_r, _ = _sequence(tmp_path / "r.db", steps, "row")
    fp_c, rej_c, sums = _sequence(tmp_path / "c.db", steps, "columnar")
    assert fp_c == fp_r and rej_c == rej_r
    assert [(r[1], r[2]) for r in rej_c[1]] == [("3", "Paper_ID")]  # no paper with ID 9
    assert sums[0].inserted["AUTHORED"] == 6 and sum(sums[2].inserted.values()) == 0


def test_repeated_pn_and_a_second_source(tmp_path: Path):
    """``test_identity``'s duplicate-PN file (other ID → reject naming line 2, exact
    duplicate counted) loaded over a patent stored from another source (merged, the title
    conflict counted, the stored title kept)."""
    from innograph.loaders.records import Document

    f = tmp_path / schema.DEEP_PATENT_CSV
    _write(f, schema.DEEP_PATENT_HEADER, [
        [7, "US10000001B2", "G06N 3/04", "Title B", "an abstract", 2020, "['x']", ""],
        [8, "US-10000001-B2", "G06N 3/04", "T", "A", 2020, "[]", ""],
        [7, "US10000001B2", "G06N 3/04", "Title B", "an abstract", 2020, "['x']", ""],
        [9, "US10000009B1", "G06N 3/04", "T9", "A", 2020, "[]", ""]])
    out = {}
    for engine in ("row", "columnar"):
        store = open_store(str(tmp_path / f"{engine}.db"))
        ingest(store, [Document(kind="patent", id="US10000001", title="Title A", year=2020,
                                props={"pn": "US10000001"}, source="google-patents",
                                source_id="US10000001", file="g.csv", line=2)],
               RejectLog(None))
        log = RejectLog(tmp_path / f"{engine}.csv")
        s = ingest(store, read_deepinnovation(f), log) if engine == "row" else \
            ingest_deepinnovation_columnar(store, f, log)
        out[engine] = (fingerprint(store), s.duplicates, dict(s.conflicts), dict(s.merged),
                       (tmp_path / f"{engine}.csv").read_text().replace("columnar", "row"))
        row = store.read_table("MATCH (p:Patent {id: 'US10000001'}) RETURN p.title AS t, "
                               "p.sources AS s").to_pylist()
        assert row == [{"t": "Title A", "s": '["google-patents", "DeepPatentAI"]'}]
        store.close()
    assert out["columnar"] == out["row"]
    assert out["row"][1:4] == (1, {"Patent.title": 1}, {"Patent": 1})
    assert ":2)" in out["row"][4]


def test_export_round_trip_through_the_columnar_load(tmp_path: Path):
    """``test_ingest_export``'s round trip: export → columnar load into an empty store →
    export gives the same bytes (sequential and source ids)."""
    from innograph.loaders.synthetic import synthetic_corpus
    from innograph.pipeline.export import export_csvs

    store = open_store(str(tmp_path / "g.db"))
    docs, truth = synthetic_corpus(seed=5, n_papers=40, n_patents=30, n_flows=6, n_novel=2)
    ingest(store, docs, RejectLog(None))
    store.upsert_edges("SIMILAR_TO", "Paper", "Patent", pa.Table.from_pylist(
        [{"src": p, "dst": t, "score": 0.75, "rank": 1, "method": "exact"}
         for p, t in truth.flows.items()]))
    store.set_properties("Paper", pa.table({"id": ["P0001"], "novelty": [-1.25],
                                            "title": ["=HYPERLINK(\"x\")"]}))
    first = tmp_path / "first"
    export_csvs(store, first, ids="sequential")
    store.close()
    for ids in ("sequential", "source"):
        s2 = open_store(str(tmp_path / f"{ids}.db"))
        log = RejectLog(None)
        ingest_deepinnovation_columnar(s2, first, log)
        assert log.count == 0, [r.message() for r in log.samples]
        again = tmp_path / f"again-{ids}"
        export_csvs(s2, again, ids=ids)
        s2.close()
        if ids == "sequential":
            for name in deep_names():
                assert (first / name).read_bytes() == (again / name).read_bytes(), name
        else:  # keys as ids: loading that export back reproduces it
            s3 = open_store(str(tmp_path / "third.db"))
            ingest_deepinnovation_columnar(s3, again, RejectLog(None))
            third = tmp_path / "third"
            export_csvs(s3, third, ids="source")
            s3.close()
            for name in deep_names():
                assert (again / name).read_bytes() == (third / name).read_bytes(), name


def deep_names() -> tuple[str, str, str]:
    return (schema.DEEP_PATENT_CSV, schema.DEEP_DIVE_CSV, schema.DEEP_COSINE_CSV)


def test_quoted_newlines_keep_the_block_reader_and_their_lines(corpus: Path, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch):
    """Abstracts over several lines (as in real files): the block reader still reads the
    file (line numbers from the byte scan), the rows with a newline take the row path's
    mapping, and the graph and the rejects (lines after the multi-line records) are the
    row path's."""
    from innograph.pipeline.ingest_columnar import load as ingest_columnar

    folder = tmp_path / "deep"
    folder.mkdir()
    src = pd.read_csv(corpus / schema.DEEP_DIVE_CSV, dtype=str, keep_default_na=False)
    src.loc[::7, "Abstract"] = src.loc[::7, "Abstract"] + "\nSecond line,\n\nand \"a quote\"."
    src.to_csv(folder / schema.DEEP_DIVE_CSV, index=False, lineterminator="\n")
    for name in (schema.DEEP_PATENT_CSV, schema.DEEP_COSINE_CSV):
        (folder / name).write_bytes((corpus / name).read_bytes())
    calls = []
    real = ingest_columnar._Load._rows_from
    monkeypatch.setattr(ingest_columnar._Load, "_rows_from",
                        lambda self, *a: (calls.append(a), real(self, *a))[1])
    rejects, _ = _same(tmp_path, folder)
    assert calls == []
    assert any(r[0].endswith("DeepDiveAI.csv") and r[1] > len(src) + 1 for r in rejects)


def _generic_bodies() -> dict[str, bytes]:
    """``test_loaders_bad_input``'s generic bad files, written by its DeepInnovationAI
    adapter (DeepDiveAI.csv)."""
    from .test_loaders_bad_input import ADAPTERS

    ad = next(a for a in ADAPTERS if a.name == "deepinnovation")
    sep = ad.sep.encode()
    out: dict[str, bytes] = {"good": ad.body(ad.rows(3))}
    rows = ad.rows(3)
    bad = b'"broken"x' + sep + ad.line(ad.good(9)).replace(b"On graphs", b'"On" graphs', 1)
    out["malformed-quoting"] = ad.body(rows[:1]) + bad + b"\n" + ad.line(rows[1]) + b"\n" \
        + ad.line(rows[2]) + b"\n"
    rows = ad.rows(4)
    out["unterminated-quote"] = ad.body(rows[:1]) + b'"never closed' + sep \
        + ad.line(ad.good(9)) + b"\n" + b"\n".join(ad.line(r) for r in rows[1:]) + b"\n"
    rows = ad.rows(3)
    rows[1][ad.title_col] = "A title\nover two lines"
    out["newline-and-nul"] = ad.body(rows).replace(b"over two", b"over\x00 two")
    rows = ad.rows(3)
    rows[1][ad.title_col] = "Caf-MARK"
    out["non-utf8"] = ad.body(rows).replace(b"Caf-MARK", b"Caf\xe9 \xff\xfe")
    out["bom"] = b"\xef\xbb\xbf" + ad.body(ad.rows(2))
    rows = ad.rows(4)
    out["column-counts"] = ad.body(rows[:1]) + ad.line(rows[1]) + sep + b"surplus\n" \
        + sep.join(ad.line(rows[2]).split(sep)[:2]) + b"\n" + ad.line(rows[3]) + sep + sep \
        + b"\n"
    rows = ad.rows(1) + [{**ad.good(10 + k), **c} for k, (c, _) in enumerate(ad.bad_years)] \
        + [ad.good(50)]
    out["years"] = ad.body(rows)
    out["duplicate-ids"] = ad.body(ad.rows(2) + [ad.good(0)])
    rows = ad.rows(2)
    rows[1][ad.id_col] = "   "
    out["empty-id"] = ad.body(rows)
    rows = ad.rows(3)
    rows[1][ad.abstract_col] = "x" * 5_000_000
    out["five-megabytes"] = ad.body(rows)
    out["empty-file"] = b""
    out["header-only"] = ad.body([]) + b"\n\n"
    return out


@pytest.mark.parametrize("case", list(_generic_bodies()))
def test_the_generic_bad_files_of_the_row_loader(case: str, tmp_path: Path):
    """Every generic bad-input file of ``test_loaders_bad_input`` (DeepInnovationAI
    adapter): the columnar load rejects the same rows (file, line, field, reason) and
    builds the same graph as the row path."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / schema.DEEP_DIVE_CSV).write_bytes(_generic_bodies()[case])
    rejects, s = _same(tmp_path, folder)
    if case == "good":
        assert rejects == [] and s.documents == 3
