"""Loading is idempotent and crash-safe; exports round-trip byte for byte."""

from __future__ import annotations

import csv
import json
import random
import signal
import subprocess
import sys
import textwrap
import time

import pyarrow as pa
import pytest

from innograph.graph import schema
from innograph.graph.fingerprint import fingerprint
from innograph.graph.store import open_store
from innograph.loaders.records import Document, Link, RejectLog
from innograph.loaders.synthetic import synthetic_corpus
from innograph.pipeline.export import export_csvs, neutralise
from innograph.pipeline.ingest import ingest


@pytest.fixture
def store(tmp_path):
    s = open_store(str(tmp_path / "g.db"))
    yield s
    s.close()


def test_loading_twice_changes_nothing(store, tmp_path):
    docs, _ = synthetic_corpus(seed=3, n_papers=60, n_patents=50, n_flows=5, n_novel=2)
    ingest(store, docs, RejectLog(None), batch_size=17)
    before = fingerprint(store)
    again = ingest(store, docs, RejectLog(None), batch_size=23)
    assert fingerprint(store) == before
    assert sum(again.inserted.values()) == 0
    assert sum(again.updated.values()) == 0


def test_graph_has_the_schema_shape(store):
    docs, truth = synthetic_corpus(seed=3, n_papers=60, n_patents=50, n_flows=5, n_novel=2)
    ingest(store, docs, RejectLog(None))
    s = store.stats()
    assert s["Paper"] == 60 and s["Patent"] == 50
    assert s["HAS_KEYWORD"] == 4 * 110  # four input keywords per document
    assert s["APPLIED_FOR"] >= 50 and s["CLASSIFIED_AS"] == 100 and s["PUBLISHED_IN"] == 60
    # keywords are normalised: one node per technical element
    names = store.read_table("MATCH (k:Keyword) RETURN k.name").column(0).to_pylist()
    assert all(n == n.lower().strip() for n in names)
    assert "convolutional neural network" in names


def test_duplicate_ids_in_one_load_are_rejected_with_both_places(store, tmp_path):
    d1 = Document(kind="paper", id="X1", title="first", file="a.csv", line=2)
    d2 = Document(kind="paper", id="X1", title="second", file="b.csv", line=9)
    log = RejectLog(tmp_path / "rejects.csv")
    s = ingest(store, [d1, d2], log)
    assert s.rejected == 1
    assert store.read_table("MATCH (p:Paper) RETURN p.title").column(0).to_pylist() == ["first"]
    rows = list(csv.DictReader(open(tmp_path / "rejects.csv", encoding="utf-8")))
    assert rows[0]["file"] == "b.csv" and rows[0]["line"] == "9" and rows[0]["field"] == "id"
    assert "a.csv:2" in rows[0]["reason"]


def test_link_to_unknown_patent_is_rejected(store):
    ingest(store, [Document(kind="paper", id="A", file="f", line=2)], RejectLog(None))
    log = RejectLog(None)
    s = ingest(store, [Link("A", "NOPE", 0.5, file="DeepCosineAI.csv", line=2)], log)
    assert s.rejected == 1 and log.samples[0].field == "Patent_ID"
    assert store.count("SIMILAR_TO") == 0


def test_keywords_normalised_and_ranked(store):
    d = Document(kind="paper", id="A", keywords=["Neural Networks", "neural-network", "42", "LSTM"])
    ingest(store, [d], RejectLog(None))
    rows = store.read_table("MATCH (:Paper)-[e:HAS_KEYWORD]->(k:Keyword) RETURN k.name AS k, "
                            "e.rank AS r, e.source AS s ORDER BY r").to_pylist()
    assert rows == [{"k": "neural network", "r": 1, "s": "input"}, {"k": "lstm", "r": 2, "s": "input"}]


def test_export_round_trip_is_byte_identical(store, tmp_path):
    """load → export → load into an empty store → export: identical files."""
    from innograph.loaders.deepinnovation import read_deepinnovation

    docs, truth = synthetic_corpus(seed=5, n_papers=40, n_patents=30, n_flows=6, n_novel=2)
    ingest(store, docs, RejectLog(None))
    rows = [{"src": p, "dst": t, "score": 0.75, "rank": 1, "method": "exact"}
            for p, t in truth.flows.items()]
    store.upsert_edges("SIMILAR_TO", "Paper", "Patent", pa.Table.from_pylist(rows))
    store.set_properties("Paper", pa.table({"id": ["P0001"], "novelty": [-1.25],
                                            "title": ["=HYPERLINK(\"x\")"]}))
    first = tmp_path / "first"
    n = export_csvs(store, first, ids="sequential")
    assert n == {schema.DEEP_PATENT_CSV: 30, schema.DEEP_DIVE_CSV: 40, schema.DEEP_COSINE_CSV: 6}
    for name, header in [(schema.DEEP_PATENT_CSV, schema.DEEP_PATENT_HEADER),
                         (schema.DEEP_DIVE_CSV, schema.DEEP_DIVE_HEADER),
                         (schema.DEEP_COSINE_CSV, schema.DEEP_COSINE_HEADER)]:
        with open(first / name, encoding="utf-8") as f:
            assert next(csv.reader(f)) == header

    s2 = open_store(str(tmp_path / "g2.db"))
    try:
        log = RejectLog(None)
        ingest(s2, read_deepinnovation(first), log)
        assert log.count == 0, [r.message() for r in log.samples]
        second = tmp_path / "second"
        export_csvs(s2, second, ids="sequential")
        third = tmp_path / "third"  # --ids source: store keys (DOI / PN keys after a load)
        export_csvs(s2, third, ids="source")
    finally:
        s2.close()
    for name in (schema.DEEP_PATENT_CSV, schema.DEEP_DIVE_CSV, schema.DEEP_COSINE_CSV):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    s3 = open_store(str(tmp_path / "g3.db"))
    try:
        log = RejectLog(None)
        ingest(s3, read_deepinnovation(third), log)
        assert log.count == 0, [r.message() for r in log.samples]
        fourth = tmp_path / "fourth"
        export_csvs(s3, fourth, ids="source")
    finally:
        s3.close()
    for name in (schema.DEEP_PATENT_CSV, schema.DEEP_DIVE_CSV, schema.DEEP_COSINE_CSV):
        assert (third / name).read_bytes() == (fourth / name).read_bytes(), name
    # sequential ids are 1..N in the store's order (P0001 first), cosine rows point at them
    dive = list(csv.DictReader(open(first / schema.DEEP_DIVE_CSV, encoding="utf-8")))
    pats = list(csv.DictReader(open(first / schema.DEEP_PATENT_CSV, encoding="utf-8")))
    assert [r["ID"] for r in dive] == [str(i) for i in range(1, 41)]
    assert [r["ID"] for r in pats] == [str(i) for i in range(1, 31)]
    seq_paper = {f"P{i:04d}": str(i) for i in range(1, 41)}
    seq_patent = {f"US{10000000 + i}": str(i) for i in range(1, 31)}
    cos = list(csv.DictReader(open(first / schema.DEEP_COSINE_CSV, encoding="utf-8")))
    assert {(r["Paper_ID"], r["Patent_ID"]) for r in cos} == \
        {(seq_paper[p], seq_patent[t]) for p, t in truth.flows.items()}
    src = list(csv.DictReader(open(third / schema.DEEP_DIVE_CSV, encoding="utf-8")))
    # papers keyed by DOI, else by the DeepDiveAI ID with its source prefix
    assert all(r["ID"] == r["Doi"].lower() for r in src if r["Doi"])
    assert any(r["Doi"] for r in src) and any(not r["Doi"] for r in src)
    assert all(r["ID"].startswith("DeepDiveAI:") for r in src if not r["Doi"])
    p1 = next(r for r in dive if r["ID"] == "1")
    assert p1["Title"].startswith("'=")  # neutralised formula
    assert p1["Novelty"] == "-1.25"  # a negative number is data, not a formula
    assert json.loads(p1["Keywords"])  # a JSON list


def test_neutralise_follows_owasp():
    assert neutralise("=1+2") == "'=1+2"
    assert neutralise("@SUM(A1)") == "'@SUM(A1)"
    assert neutralise("+cmd") == "'+cmd"
    assert neutralise("-3.5") == "-3.5"
    assert neutralise("plain") == "plain"


def load_script(per_kind: int, flows: int, novel: int, batch: int) -> str:
    """A Python program that loads a synthetic corpus (``per_kind`` papers and as many
    patents) into the store at ``argv[1]`` in batches of ``batch``, printing ``start`` before
    the load and ``done`` after it: the subject of the kill tests."""
    return textwrap.dedent(f"""
        import sys
        from innograph.graph.store import open_store
        from innograph.loaders.records import RejectLog
        from innograph.loaders.synthetic import synthetic_corpus
        from innograph.pipeline.ingest import ingest
        docs, _ = synthetic_corpus(seed=11, n_papers={per_kind}, n_patents={per_kind},
                                   n_flows={flows}, n_novel={novel})
        s = open_store(sys.argv[1])
        print("start", flush=True)
        ingest(s, docs, RejectLog(None), batch_size={batch})
        s.close()
        print("done", flush=True)
    """)


KILL_SCRIPT = load_script(1500, 50, 10, 150)


@pytest.mark.slow
def test_load_killed_midway_reruns_to_identical_graph(tmp_path):
    """SIGKILL a load at random points (three times), rerun: same graph as a clean load."""
    clean = str(tmp_path / "clean.db")
    subprocess.run([sys.executable, "-c", KILL_SCRIPT, clean], check=True, capture_output=True)
    s = open_store(clean)
    want = fingerprint(s)
    counts = s.stats()
    s.close()

    rng = random.Random(1)
    for attempt in range(3):
        path = str(tmp_path / f"killed{attempt}.db")
        for _ in range(2):  # killed twice, then completed
            p = subprocess.Popen([sys.executable, "-c", KILL_SCRIPT, path],
                                 stdout=subprocess.PIPE, text=True)
            assert p.stdout.readline().strip() == "start"
            time.sleep(rng.uniform(0.2, 2.5))
            p.send_signal(signal.SIGKILL)
            p.wait()
        r = subprocess.run([sys.executable, "-c", KILL_SCRIPT, path], capture_output=True,
                           text=True)
        if r.returncode != 0 and "innograph check --repair" in r.stderr:
            # the documented recovery path (README "Known limits"): Kùzu 0.11.3 rarely leaves
            # a key in the index without its row after a SIGKILL; the rerun refuses with the
            # repair command, and repair + rerun must give the same graph as a clean load
            print(f"attempt {attempt}: rerun refused ({r.stderr.strip().splitlines()[-1]}); "
                  "repairing")
            repaired = tmp_path / f"repaired{attempt}"
            subprocess.run([sys.executable, "-m", "innograph.cli", "check", "--repair",
                            "--db", path, "--out", str(repaired)], check=True,
                           capture_output=True)
            path = str(repaired / "innograph.db")
            r = subprocess.run([sys.executable, "-c", KILL_SCRIPT, path], capture_output=True,
                               text=True)
        assert r.returncode == 0, r.stderr[-3000:]
        s = open_store(path)
        try:
            assert s.stats() == counts
            assert fingerprint(s) == want
        finally:
            s.close()
