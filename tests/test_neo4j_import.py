"""``innograph export neo4j-import``: the files ``neo4j-admin database import full`` reads.

Headers are checked against Neo4j 5's header format; the round trip parses every written
file back with pandas (independently of the writer: the header's types decide the parsing)
and loads the rows into a fresh embedded store, whose fingerprint must equal the source's.
"""

from __future__ import annotations

import shlex
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from typer.testing import CliRunner

from innograph.graph import schema
from innograph.graph.fingerprint import fingerprint, graph_rows
from innograph.graph.kuzu_store import KuzuStore
from innograph.loaders.records import RejectLog
from innograph.loaders.synthetic import synthetic_corpus
from innograph.pipeline import neo4j_import as ni
from innograph.pipeline.ingest import ingest

NASTY = 'He said "hi", then; left\nnew line, comma'


def _source(path: Path) -> KuzuStore:
    store = KuzuStore(str(path))
    store.ensure_schema()
    docs, _ = synthetic_corpus(seed=3, n_papers=30, n_patents=25, n_flows=4, n_novel=2)
    docs[0].title = NASTY
    ingest(store, docs, RejectLog(None))
    rng = np.random.default_rng(0)
    ids = store.read_table("MATCH (p:Paper) RETURN p.id AS id").column("id").to_pylist()
    store.set_properties("Paper", pa.table({
        "id": ids[:5], "embedding": pa.array(rng.normal(size=(5, 4)).astype(np.float32).tolist(),
                                             pa.list_(pa.float32())),
        "is_ai": [True, False, True, None, False], "novelty": [0.1, 1e-300, -2.5, None, 3.0]}))
    store.set_properties("Keyword", pa.table({
        "name": store.read_table("MATCH (k:Keyword) RETURN k.name AS name LIMIT 2")
        .column("name").to_pylist(), "theta": [[0.25, 0.75], [1.0, 0.0]]}))
    return store


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    base = tmp_path_factory.mktemp("n4j")
    store = _source(base / "src.db")
    counts = ni.export_neo4j_import(store, base / "import")
    yield store, base / "import", counts
    store.close()


def test_headers_follow_neo4j_admin_format():
    h = ni.node_header("Paper")
    assert h[0] == "id:ID(Paper)" and h[-1] == ":LABEL"
    assert "year:long" in h and "novelty:double" in h and "is_ai:boolean" in h
    assert "embedding:float[]" in h and "title" in h and "id" not in h[1:]
    assert ni.node_header("Keyword")[:4] == ["name:ID(Keyword)", "freq:long", "theta:double[]",
                                             "r:double"]
    assert ni.rel_header("HAS_KEYWORD", "Patent", "Keyword") == [
        ":START_ID(Patent)", ":END_ID(Keyword)", "score:double", "source", "model",
        "rank:long", ":TYPE"]
    assert ni.rel_header("LOCATED_IN", "Author", "Country") == [
        ":START_ID(Author)", ":END_ID(Country)", ":TYPE"]
    with pytest.raises(KeyError):
        ni.rel_header("HAS_KEYWORD", "Keyword", "Paper")


def test_cells():
    assert ni.cell(None, "STRING") == "" and ni.cell("", "STRING") == '""'
    assert ni.cell('a"b', "STRING") == '"a""b"'
    assert ni.cell([0.5, 1.0], "FLOAT[]") == '"0.5;1.0"'
    assert ni.cell(True, "BOOL") == "true" and ni.cell(3, "INT64") == "3"
    with pytest.raises(ValueError):
        ni.cell(float("nan"), "DOUBLE")


def test_every_file_is_written_and_named_by_the_script(exported):
    _store, out, counts = exported
    script = (out / "import.sh").read_text()
    cmd = shlex.split(script.split("set -e\ncd \"$(dirname \"$0\")\"\n", 1)[1].replace("\\\n", ""))
    assert cmd[:4] == ["neo4j-admin", "database", "import", "full"] and cmd[-1] == "neo4j"
    assert "--array-delimiter=;" in cmd and "--multiline-fields=true" in cmd
    nodes = [c.split("=", 1)[1] for c in cmd if c.startswith("--nodes=")]
    rels = [c.split("=", 1)[1] for c in cmd if c.startswith("--relationships=")]
    assert sorted(nodes + rels) == sorted(counts)
    assert len(nodes) == len(schema.NODES)
    assert len(rels) == sum(len(r.pairs) for r in schema.RELS.values())
    for name in counts:
        assert (out / name).is_file()
    ddl = (out / "schema.cypher").read_text()
    assert "CREATE CONSTRAINT paper_id_unique IF NOT EXISTS" in ddl


def _typed(series: pd.Series, t: str) -> list:
    """A column as neo4j-admin would type it (header type ``t``); '' is null."""
    out = []
    for v in series.tolist():
        if v == "":
            out.append(None)
        elif t == "long":
            out.append(int(v))
        elif t == "double":
            out.append(float(v))
        elif t == "boolean":
            out.append(v == "true")
        elif t.endswith("[]"):
            out.append([float(x) for x in v.split(";")])
        else:
            out.append(v)
    return out


def _read(path: Path) -> tuple[list[str], dict[str, list]]:
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    cols = {}
    for h in df.columns:
        name, _, t = h.partition(":")
        if h.startswith(":"):
            cols[h.split("(")[0]] = df[h].tolist()
        elif t.startswith("ID("):
            cols[name] = df[h].tolist()
        else:
            cols[name] = _typed(df[h], t)
    return list(df.columns), cols


def test_round_trip_through_a_fresh_embedded_store(exported, tmp_path):
    src, out, counts = exported
    # the parse-back reads '' as null: the source must hold no empty strings
    assert not any('""' in line for lines in graph_rows(src).values() for line in lines)
    dst = KuzuStore(str(tmp_path / "dst.db"))
    dst.ensure_schema()
    for label, spec in schema.NODES.items():
        _h, cols = _read(out / ni.node_file(label))
        assert set(cols.pop(":LABEL")) <= {label}
        assert counts[ni.node_file(label)] == len(cols[spec.key])
        if cols[spec.key]:
            types = {p.name: p.type for p in spec.props}
            dst.upsert_nodes(label, pa.table(
                {c: pa.array(v, type=_arrow(types[c])) for c, v in cols.items()}))
    for rel_type, spec in schema.RELS.items():
        for a, b in spec.pairs:
            _h, cols = _read(out / ni.rel_file(rel_type, a, b))
            assert set(cols.pop(":TYPE")) <= {rel_type}
            start, end = cols.pop(":START_ID"), cols.pop(":END_ID")
            if start:
                types = {p.name: p.type for p in spec.props}
                dst.upsert_edges(rel_type, a, b, pa.table(
                    {"src": start, "dst": end,
                     **{c: pa.array(v, type=_arrow(types[c])) for c, v in cols.items()}}))
    assert dst.count("Paper") == src.count("Paper") > 0
    assert dst.count("HAS_KEYWORD") == src.count("HAS_KEYWORD") > 0
    title = dst.read_table("MATCH (p:Paper) WHERE p.title = $t RETURN p.id AS id", {"t": NASTY})
    assert title.num_rows == 1
    assert fingerprint(dst) == fingerprint(src)
    dst.close()


def _arrow(kuzu_type: str) -> pa.DataType:
    return {"STRING": pa.string(), "INT64": pa.int64(), "DOUBLE": pa.float64(),
            "BOOL": pa.bool_(), "FLOAT[]": pa.list_(pa.float32()),
            "DOUBLE[]": pa.list_(pa.float64())}[kuzu_type]


def test_cli_export_neo4j_import(exported, tmp_path):
    from innograph.cli import app

    src, _out, counts = exported
    db = tmp_path / "cli.db"
    s = KuzuStore(str(db))
    s.ensure_schema()
    s.upsert_nodes("Paper", pa.table({"id": ["W1"], "year": pa.array([2020], pa.int64())}))
    s.close()
    r = CliRunner().invoke(app, ["export", "neo4j-import", str(tmp_path / "imp"), "--db", str(db),
                                 "--into", "innovation", "--overwrite"])
    assert r.exit_code == 0, r.output
    line = (tmp_path / "imp" / "nodes_Paper.csv").read_text().splitlines()[1]  # nulls: ,,
    assert line.startswith('"W1",,,2020,') and line.endswith(",Paper")
    script = (tmp_path / "imp" / "import.sh").read_text()
    assert script.rstrip().endswith("innovation") and "--overwrite-destination=true" in script
    assert "--overwrite-destination=false" in ni._script(ni.admin_command(
        {"nodes": ["n.csv"], "relationships": []}), "neo4j")
    with pytest.raises(ValueError, match="database name"):
        ni.admin_command({"nodes": [], "relationships": []}, "x; rm -rf /")
