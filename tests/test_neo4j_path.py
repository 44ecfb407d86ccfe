"""The Neo4j path: statements built by dialect/neo4j_store, checked and linted by Neo4j's
own Cypher front end (tools/cypherlint, `npm ci` there first), without a server."""

from __future__ import annotations

import json
import re
import os
import shutil
import subprocess
from pathlib import Path

import pyarrow as pa
import pytest
import yaml

from innograph.errors import ReadOnlyQueryError, StoreUnreachableError
from innograph.graph import dialect, schema
from innograph.graph.neo4j_store import Neo4jStore, credentials
from innograph.loaders.records import RejectLog
from innograph.loaders.synthetic import synthetic_corpus
from innograph.pipeline.export import export_csvs
from innograph.pipeline.ingest import ingest
from innograph.pipeline.query import parse_params

from .neo4j_recorder import RecordingDriver

ROOT = Path(__file__).resolve().parent.parent
LINT_DIR = ROOT / "tools" / "cypherlint"

INJECTION = "x' }) DETACH DELETE n // `{$}`"


def _record_everything() -> RecordingDriver:
    """Drive the Neo4j store through every kind of statement it can send."""
    drv = RecordingDriver()
    store = Neo4jStore(drv, batch=50)
    store.ensure_schema()
    docs, truth = synthetic_corpus(seed=2, n_papers=12, n_patents=10, n_flows=3, n_novel=1)
    docs[0].title = INJECTION
    docs[0].keywords.append(INJECTION)
    ingest(store, docs, RejectLog(None))
    store.set_properties("Paper", pa.table({"id": ["P0001"], "novelty": [1.0]}))
    store.upsert_edges("SIMILAR_TO", "Paper", "Patent", pa.table(
        {"src": ["P0001"], "dst": ["US10000001"], "score": [0.5], "rank": [1], "method": ["exact"]}))
    store.delete_edges("SIMILAR_TO", "Paper", "Patent", {"method": "exact"})
    store.stats()
    export_csvs(store, Path(os.environ.get("TMPDIR", "/tmp")) / "innograph-neo4j-export")
    for q in dialect.query_library().values():
        given = {p: "x" for p in q.params if p not in q.defaults}
        params = parse_params(q, given, q.types)
        store.run_read(q.for_store("neo4j"), params)
    store.delete_edges_from("HAS_KEYWORD", "Paper", "Keyword", ["P0001", INJECTION],
                            {"source": "keybert"})
    store.create_vector_index("Patent", dims=384)
    store.vector_query("Patent", [[0.1] * 384], k=5)
    from innograph.pipeline import locarno as pl
    from innograph.pipeline.analyze import QUERIES

    where, params = pl._where(all_patents=False, redo=False)  # EXISTS { … } subquery
    list(pl.pages(store, "Patent", ("title", "abstract"), where, {**params, "model": "m"}, 10))

    for text in QUERIES.values():  # the analyses' queries must also run on Neo4j
        store.read_table(text, {p: 0 for p in re.findall(r"\$(\w+)", text)})

    # Graph Data Science runs through the graphdatascience client (tests/test_gds.py); its
    # one hand-written statement, the projection, is linted here too (sent auto-commit, as
    # test_writes_use_write_transactions_and_reads_read expects of GDS statements)
    from innograph.graph import gds

    for nodes in ("applicant", "institution"):
        store._auto(gds.projection(nodes), {"graph": "g", "every_year": True, "y0": 0, "y1": 0})

    # live loads: CALL { … } IN TRANSACTIONS in auto-commit statements, both CALL forms
    for version in ((5, 26, 0), (5, 11, 0)):
        live = Neo4jStore(drv, batch=50, tx_rows=7, server_version=version)
        ingest(live, docs[:6], RejectLog(None))
        live.upsert_edges("SIMILAR_TO", "Paper", "Patent", pa.table(
            {"src": ["P0001"], "dst": ["US10000001"], "score": [0.5], "rank": [1],
             "method": ["exact"]}))
    return drv


@pytest.fixture(scope="module")
def sent() -> list[tuple[str, str, dict]]:
    return _record_everything().sent


def test_values_travel_only_as_parameters(sent):
    for _mode, query, params in sent:
        assert INJECTION not in query
        assert "DETACH DELETE" not in query
    assert any(INJECTION in json.dumps(p) for _m, _q, p in sent)  # it did reach the store


def test_writes_use_write_transactions_and_reads_read(sent):
    for mode, query, _ in sent:
        if "IN TRANSACTIONS" in query:  # only allowed in an auto-commit statement
            assert mode == "auto", query
        elif "gds." in query:  # GDS: one auto-commit session, the projection's server
            assert mode == "auto", query
        elif dialect.looks_like_write(query):
            assert mode == "write", query
    assert any(m == "read" and q.startswith("MATCH") for m, q, _ in sent)
    assert {m for m, _q, _p in sent} == {"read", "write", "auto"}


def test_live_load_sends_rows_in_transactions_of_tx_rows():
    drv = RecordingDriver(lambda q, p: [{"n": len(p.get("rows", []))}] if "rows" in p else [])
    store = Neo4jStore(drv, batch=4, tx_rows=3, server_version=(5, 26, 0))
    keys = [f"K{i}" for i in range(10)]
    c = store.upsert_nodes("Keyword", pa.table({"name": keys, "freq": list(range(10))}))
    assert c.inserted == 10 and c.updated == 0
    bulk = [(m, q, p) for m, q, p in drv.sent if "IN TRANSACTIONS" in q]
    assert [len(p["rows"]) for _m, _q, p in bulk] == [4, 4, 2]  # batch rows per statement
    assert all(m == "auto" and p["tx_rows"] == 3 for m, _q, p in bulk)
    assert bulk[0][1] == ("UNWIND $rows AS r CALL (r) { MERGE (n:Keyword {name: r.key}) "
                          "SET n += r.props RETURN count(n) AS c } IN TRANSACTIONS OF $tx_rows "
                          "ROWS RETURN sum(c) AS n")
    assert [r["key"] for _m, _q, p in bulk for r in p["rows"]] == keys
    old = Neo4jStore(RecordingDriver(), tx_rows=3, server_version=(5, 20, 0))
    old.upsert_nodes("Keyword", pa.table({"name": ["a"]}))
    assert "CALL { WITH r MERGE" in old.driver.sent[-1][1]
    with pytest.raises(ValueError, match="tx_rows"):
        Neo4jStore(RecordingDriver(), tx_rows=0)
    with pytest.raises(ReadOnlyQueryError):
        Neo4jStore(RecordingDriver(), read_only=True, tx_rows=5).upsert_nodes(
            "Keyword", pa.table({"name": ["a"]}))


def test_schema_has_a_uniqueness_constraint_per_label():
    ddl = dialect.neo4j_schema_ddl()
    for spec in schema.NODES.values():
        assert any(f"FOR (n:{spec.label}) REQUIRE n.{spec.key} IS UNIQUE" in s for s in ddl)


def test_upsert_statements_merge_on_keys():
    assert dialect.neo4j_upsert_nodes("Paper").startswith("UNWIND $rows AS r MERGE (n:Paper {id: r.key})")
    q = dialect.neo4j_upsert_edges("SIMILAR_TO", "Paper", "Patent")
    assert "MERGE (a)-[e:SIMILAR_TO {method: r.keys.method}]->(b)" in q


def test_nulls_are_not_sent_as_set_values():
    drv = RecordingDriver()
    Neo4jStore(drv).upsert_nodes("Paper", pa.table({"id": ["a"], "title": pa.array([None], pa.string())}))
    writes = [p for m, q, p in drv.sent if m == "write"]
    assert writes[-1]["rows"] == [{"key": "a", "props": {}}]


def test_index_scores_convert_to_raw_cosine():
    assert dialect.cosine_from_index_score("neo4j", 1.0) == pytest.approx(1.0)
    assert dialect.cosine_from_index_score("neo4j", 0.5) == pytest.approx(0.0)
    assert dialect.cosine_from_index_score("kuzu", 0.25) == pytest.approx(0.75)


def test_read_path_refuses_writes():
    with pytest.raises(ReadOnlyQueryError):
        Neo4jStore(RecordingDriver()).run_read("MATCH (n) DETACH DELETE n")


def test_credentials_only_from_environment_or_config(tmp_path):
    with pytest.raises(StoreUnreachableError, match="NEO4J_PASSWORD"):
        credentials({})
    cfg = tmp_path / "neo4j.env"
    cfg.write_text("NEO4J_USER=alice\nNEO4J_PASSWORD=s3cret\n")
    assert credentials({"INNOGRAPH_NEO4J_CONFIG": str(cfg)}) == ("alice", "s3cret")


def test_docker_compose_runs_neo4j5_with_plugins_and_env_credentials():
    doc = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    svc = doc["services"]["neo4j"]
    assert svc["image"].startswith("neo4j:5")
    env = svc["environment"]
    env = env if isinstance(env, dict) else dict(e.split("=", 1) for e in env)
    assert "apoc" in env["NEO4J_PLUGINS"] and "graph-data-science" in env["NEO4J_PLUGINS"]
    assert "${NEO4J_PASSWORD" in env["NEO4J_AUTH"]  # from .env, never written here
    assert "healthcheck" in svc and svc["volumes"]
    assert (ROOT / ".env.example").exists()


def _lint(statements: list[dict]) -> list[dict]:
    node = shutil.which("node")
    if node is None or not (LINT_DIR / "node_modules").exists():
        pytest.fail("Neo4j's Cypher linter is not installed: run `npm ci` in tools/cypherlint "
                    "(Node 18+)")
    db_schema = {"labels": list(schema.NODES), "relationshipTypes": list(schema.RELS),
                 "propertyKeys": schema.all_property_keys() + list(dialect.PAYLOAD_KEYS)}
    res = subprocess.run([node, str(LINT_DIR / "lint.mjs")], cwd=LINT_DIR, check=True,
                         input=json.dumps({"schema": db_schema, "statements": statements}),
                         capture_output=True, text=True, timeout=300)
    return json.loads(res.stdout)


def test_every_neo4j_statement_passes_neo4js_linter(sent):
    from innograph.graph.neo4j_store import COMPONENTS_QUERY

    seen, statements = set(), []
    for _m, q, p in sent + [("auto", COMPONENTS_QUERY, {})]:  # + the version check on connect
        if q not in seen:
            seen.add(q)
            statements.append({"id": len(statements), "query": q,
                               "parameters": {k: v for k, v in p.items()}})
    results = _lint(statements)
    problems = []
    for s, r in zip(statements, results):
        for d in r["diagnostics"]:
            if d["severity"] == "error" or "not present in the database" in d["message"]:
                problems.append(f"{d['severity']}: {d['message']}\n  in: {s['query']}")
    assert not problems, "\n".join(problems)
    assert len(statements) > 30
    assert sum("gds.graph.project" in s["query"] for s in statements) == 2  # GDS projections


def test_linter_catches_kuzu_isms_and_typos():
    r = _lint([{"id": 0, "query": "COPY Paper FROM t", "parameters": {}},
               {"id": 1, "query": "MATCH (p:Papr) RETURN p.yeer", "parameters": {}}])
    assert any(d["severity"] == "error" for d in r[0]["diagnostics"])
    assert any("not present" in d["message"] for d in r[1]["diagnostics"])


def test_delete_edges_from_sends_keys_as_parameters_in_batches():
    drv = RecordingDriver(lambda q, p: [{"n": len(p.get("keys", []))}])
    store = Neo4jStore(drv, batch=3)
    n = store.delete_edges_from("HAS_KEYWORD", "Patent", "Keyword", pa.array(
        ["a", "b", "a", None, "c", "d", INJECTION]), {"source": "keybert"})
    assert n == 5  # distinct non-null keys
    sent = [(m, q, p) for m, q, p in drv.sent]
    assert [p["keys"] for _m, _q, p in sent] == [["a", "b", "c"], ["d", INJECTION]]
    assert all(m == "write" and p["w0"] == "keybert" for m, _q, p in sent)
    assert sent[0][1] == ("UNWIND $keys AS k MATCH (:Patent {id: k})-[e:HAS_KEYWORD]->(:Keyword) "
                          "WHERE e.source = $w0 DELETE e RETURN count(*) AS n")
    with pytest.raises(KeyError):
        store.delete_edges_from("HAS_KEYWORD", "Patent", "Keyword", ["a"], {"nope": 1})


def test_vector_query_batches_rows_into_one_unwind_statement_each():
    def answer(q, p):  # two hits per row, worst first, score (1 + cos) / 2
        return [{"i": r["i"], "id": f"X{r['i']}-{j}", "score": (1 + c) / 2}
                for r in p.get("rows", []) for j, c in ((2, 0.2), (1, 0.6))]

    drv = RecordingDriver(answer)
    res = Neo4jStore(drv).vector_query("Patent", [[0.1] * 4] * 5, k=2, batch=2)
    assert len(drv.sent) == 3 and all(m == "read" for m, _q, _p in drv.sent)
    assert [len(p["rows"]) for _m, _q, p in drv.sent] == [2, 2, 1]
    q = drv.sent[0][1]
    assert q == dialect.neo4j_vector_query_batch("patent_embedding_vec")
    assert q.startswith("UNWIND $rows AS row CALL db.index.vector.queryNodes($index, $k, "
                        "row.vector) YIELD node, score RETURN row.i AS i, node.id AS id")
    assert [r[0] for r in res] == [[f"X{i}-1", f"X{i}-2"] for i in range(5)]
    for _ids, cos in res:
        assert cos == pytest.approx([0.6, 0.2], abs=1e-6)
    assert not Neo4jStore.vector_year_filter
