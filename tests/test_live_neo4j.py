"""Store-level tests run against every store: the embedded Kùzu store always, and a live
Neo4j 5 server when ``INNOGRAPH_TEST_NEO4J`` names one (otherwise the Neo4j cases are not
generated and ``test_live_neo4j_server`` skips with the one line saying how to run them):

    cp .env.example .env   # set NEO4J_PASSWORD
    docker compose up -d
    export NEO4J_USER=neo4j NEO4J_PASSWORD=...   # as in .env
    INNOGRAPH_TEST_NEO4J=bolt://localhost:7687 python -m pytest -m neo4j -rs

The tests DELETE EVERYTHING in the Neo4j database they are given (``$INNOGRAPH_NEO4J_DATABASE``
or the default one): they refuse to start on a database holding nodes unless
``INNOGRAPH_TEST_NEO4J_WIPE=1``. Neo4j runs twice: through live loads (``CALL … IN
TRANSACTIONS``, the default of a connected store) and through managed transactions.

Every expected value comes from an independent computation: the same documents loaded into
a reference embedded store (graph rows, exports, query answers), pandas over the documents
(counts), numpy (exact nearest neighbours), networkx (network measures; GDS within the
tolerances written at each assertion).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from innograph import analysis as an
from innograph.graph import dialect, schema
from innograph.graph.fingerprint import graph_rows
from innograph.graph.kuzu_store import KuzuStore
from innograph.loaders.records import RejectLog
from innograph.loaders.synthetic import synthetic_corpus
from innograph.pipeline.export import export_csvs
from innograph.pipeline.ingest import ingest
from innograph.pipeline.query import run_named_query

URL_ENV = "INNOGRAPH_TEST_NEO4J"
HOW = ("NEO4J ABSENT: live Neo4j cases need a server: `docker compose up -d; "
       f"{URL_ENV}=bolt://localhost:7687 NEO4J_PASSWORD=… pytest -m neo4j -rs`")

_wiped_ok: dict[str, bool] = {}


def _wipe(store) -> None:
    """Delete every node and edge and the vector indexes (live Neo4j only)."""
    for label in schema.DOCUMENT_LABELS:
        store._write(dialect.neo4j_drop_vector_index(label), {})
    store._auto("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS", {})


def _neo4j(tx_rows: int | None):
    from innograph.graph.neo4j_store import Neo4jStore

    url = os.environ.get(URL_ENV)
    if not url:
        pytest.skip(HOW)
    store = Neo4jStore.connect(url)
    if tx_rows is None:
        store.tx_rows = None
    if url not in _wiped_ok:
        n = store.read_table("MATCH (n) RETURN count(n) AS n").column("n")[0].as_py()
        if n and os.environ.get("INNOGRAPH_TEST_NEO4J_WIPE") != "1":
            store.close()
            pytest.fail(f"{url} holds {n} nodes; the live tests delete everything: point "
                        f"{URL_ENV} at a throwaway database or set INNOGRAPH_TEST_NEO4J_WIPE=1")
        _wiped_ok[url] = True
    _wipe(store)
    store.ensure_schema()
    return store


LIVE = bool(os.environ.get(URL_ENV))
# The Neo4j cases exist only when a server is named; otherwise test_live_neo4j_server
# below is the one skipped test, and its line says how to run them.
_STORES = ["kuzu"] + ([pytest.param("neo4j", marks=pytest.mark.neo4j),
                       pytest.param("neo4j-managed", marks=pytest.mark.neo4j)] if LIVE else [])


@pytest.mark.neo4j
def test_live_neo4j_server():
    """The live server answers and is Neo4j 5+ (skips with the how-to line without one)."""
    s = _neo4j(1000)
    try:
        assert s.server_version[0] >= 5
    finally:
        s.close()


@pytest.fixture(params=_STORES)
def store(request, tmp_path):
    """An empty store with the schema: Kùzu, live Neo4j (CALL … IN TRANSACTIONS loads), live
    Neo4j (one managed transaction per statement)."""
    if request.param == "kuzu":
        s = KuzuStore(str(tmp_path / "kuzu.db"))
        s.ensure_schema()
    else:
        s = _neo4j(1000 if request.param == "neo4j" else None)
        s.batch = 40  # several statements per load, several inner transactions each
        if s.tx_rows:
            s.tx_rows = 7
    yield s
    s.close()


def _reference(path: Path, docs, flows: bool = True) -> KuzuStore:
    ref = KuzuStore(str(path))
    ref.ensure_schema()
    ingest(ref, docs, RejectLog(None))
    if flows:
        _flows(ref)
    return ref


def _docs():
    docs, _truth = synthetic_corpus(seed=5, n_papers=40, n_patents=35, n_flows=5, n_novel=2)
    return docs


def _flows(store) -> None:
    store.upsert_edges("SIMILAR_TO", "Paper", "Patent", pa.table({
        "src": ["P0001", "P0002", "P0003", "P0003"],
        "dst": ["US10000001", "US10000002", "US10000003", "US10000004"],
        "score": [0.9, 0.8, 0.7, 0.6], "rank": pa.array([1, 1, 1, 2], pa.int64()),
        "method": ["exact"] * 4}))


# ------------------------------------------------------------------------ store
def test_store_upserts_deletes_and_counts(store):
    store.upsert_nodes("Keyword", pa.table({"name": ["a", "b", "c"], "freq": [1, 2, 3]}))
    c = store.upsert_nodes("Keyword", pa.table({"name": ["c", "d"], "freq": [30, 4]}))
    assert (c.inserted, c.updated) == (1, 1)
    assert store.count("Keyword") == 4
    assert store.existing_keys("Keyword", ["a", "zz", "d"]) == {"a", "d"}
    store.upsert_nodes("Paper", pa.table({"id": ["W1", "W2"], "year": [2020, 2021]}))
    store.upsert_edges("HAS_KEYWORD", "Paper", "Keyword", pa.table({
        "src": ["W1", "W1", "W2", "W1"], "dst": ["a", "b", "a", "a"],
        "source": ["input", "input", "input", "keybert"], "rank": [1, 2, 1, 1]}))
    assert store.count("HAS_KEYWORD") == 4
    store.upsert_edges("HAS_KEYWORD", "Paper", "Keyword", pa.table({  # present: unchanged
        "src": ["W1"], "dst": ["a"], "source": ["input"], "rank": [1]}))
    assert store.count("HAS_KEYWORD") == 4
    assert store.delete_edges_from("HAS_KEYWORD", "Paper", "Keyword", ["W1"],
                                   {"source": "keybert"}) == 1
    assert store.delete_edges("HAS_KEYWORD", "Paper", "Keyword", {"source": "input"}) == 3
    assert store.count("HAS_KEYWORD") == 0
    assert store.set_properties("Keyword", pa.table({"name": ["a"], "r": [0.5]})) == 1
    r = store.read_table("MATCH (k:Keyword) WHERE k.name = $n RETURN k.r AS r, k.freq AS f",
                         {"n": "a"}).to_pylist()
    assert r == [{"r": 0.5, "f": 1}]


# ----------------------------------------------------------------------- ingest
def test_ingest_matches_the_embedded_reference_and_reruns_change_nothing(store, tmp_path):
    docs = _docs()
    ingest(store, docs, RejectLog(None))
    frame = pd.DataFrame([{"kind": d.kind, "id": d.id} for d in docs])
    assert store.count("Paper") == (frame["kind"] == "paper").sum()
    assert store.count("Patent") == (frame["kind"] == "patent").sum()
    first = graph_rows(store)
    ingest(store, docs, RejectLog(None))  # rerun: idempotent
    assert graph_rows(store) == first
    ref = _reference(tmp_path / "ref.db", docs, flows=False)
    assert first == graph_rows(ref)
    ref.close()


def test_ingest_merges_overlapping_loads(store):
    docs = _docs()
    papers = [d for d in docs if d.kind == "paper"]
    ingest(store, papers[:20], RejectLog(None))
    original = papers[10].title
    papers[10].title = "A changed title"
    s = ingest(store, papers[10:30], RejectLog(None)).as_dict()
    assert s["inserted"]["Paper"] == 10
    # the merge rule (README "Identity"): the stored value stays, the differing one is a
    # counted conflict; the ten papers already stored are merged
    assert s["merged"]["Paper"] == 10 and s["conflicts"] == {"Paper.title": 1}
    assert store.count("Paper") == 30
    t = store.read_table("MATCH (p:Paper) WHERE p.id = $id RETURN p.title AS t",
                         {"id": papers[10].id}).to_pylist()
    assert t == [{"t": original}]


# ----------------------------------------------------------------------- export
def test_export_is_byte_identical_to_the_embedded_reference(store, tmp_path):
    docs = _docs()
    ingest(store, docs, RejectLog(None))
    _flows(store)
    ref = _reference(tmp_path / "ref.db", docs)
    a, b = tmp_path / "a", tmp_path / "b"
    assert export_csvs(store, a) == export_csvs(ref, b)
    for f in sorted(b.iterdir()):
        assert (a / f.name).read_bytes() == f.read_bytes(), f.name
    ref.close()


# ---------------------------------------------------------------- query library
def _canon(table: pa.Table) -> list[str]:
    def c(v):
        return round(v, 9) if isinstance(v, float) else v
    return sorted(json.dumps({k: c(v) for k, v in r.items()}, sort_keys=True, default=str)
                  for r in table.to_pylist())


def test_query_library_answers_like_the_embedded_reference(store, tmp_path):
    docs = _docs()
    ingest(store, docs, RejectLog(None))
    _flows(store)
    ref = _reference(tmp_path / "ref.db", docs)
    extra = {"institution_path": {"from": "University of Tokyo", "to": "MIT"},
             "shared_keywords": {"id": "P0001"}}
    ran = nonempty = 0
    for name, q in dialect.query_library().items():
        given = {k: v for k, v in extra.get(name, {}).items() if k in q.params}
        if set(q.params) - set(q.defaults) - set(given):
            continue
        got = run_named_query(store, name, given)
        want = run_named_query(ref, name, given)
        assert _canon(got) == _canon(want), name
        ran += 1
        nonempty += want.num_rows > 0
    assert ran == len(dialect.query_library()) and nonempty >= 10
    ref.close()


# ----------------------------------------------------------------- vector index
def test_vector_index_finds_the_exact_nearest_patents(store):
    rng = np.random.default_rng(1)
    ids = [f"US{i:08d}" for i in range(60)]
    vecs = rng.normal(size=(60, 16)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    store.upsert_nodes("Patent", pa.table({"id": ids, "year": [2020] * 60}))
    store.set_properties("Patent", pa.table({
        "id": ids, "embedding": pa.array(vecs.tolist(), pa.list_(pa.float32())),
        "embedding_model": ["test-model"] * 60}))
    store.create_vector_index("Patent", dims=16)
    if store.kind == "neo4j":  # the index fills asynchronously
        store._auto("CALL db.awaitIndexes(300)", {})
    queries = rng.normal(size=(8, 16)).astype(np.float32)
    got = store.vector_query("Patent", queries, k=5)
    exact = queries @ vecs.T / np.linalg.norm(queries, axis=1, keepdims=True)
    hits = 0
    for (found, cos), row in zip(got, exact):
        want = [ids[i] for i in np.argsort(-row)[:5]]
        hits += len(set(found) & set(want))
        for node, c in zip(found, cos):  # scores converted back to raw cosines
            assert c == pytest.approx(row[ids.index(node)], abs=1e-4)
    assert hits >= 0.9 * 8 * 5  # approximate index: recall@5 ≥ 0.9 on 60 vectors


# ------------------------------------------------------------------ GDS (live only)
@pytest.mark.neo4j
def _gds_network_measures_match_networkx_on_the_demo_graph(tmp_path):
    """GDS through the graphdatascience client against networkx on the demo graph.

    Tolerances: degree, strength, counts exact; betweenness and closeness 1e-9 (same
    definitions, double arithmetic); modularity (networkx's formula on each partition)
    within 0.02 and community count within 1 (Louvain is heuristic: GDS's and networkx's
    runs need not find the same partition); Leiden (resolution 1.5): every node in exactly
    one community, none spanning two components; PageRank shares within 1e-3 (GDS stops
    after 20 iterations / tolerance 1e-7, networkx at 1e-6), as shares of the total over
    nodes with at least one tie."""
    pytest.importorskip("graphdatascience", reason="GDS runs through the graphdatascience "
                        "client: pip install graphdatascience (2.2 needs pyarrow<26)")
    from innograph.graph import gds
    from innograph.pipeline.analyze.frames import actor_frame as _actor_frame

    s = _neo4j(1000)
    try:
        gds.require_gds(s)
        ingest(s, _docs(), RejectLog(None))
        for nodes, docs in (("applicant", "patent"), ("institution", "paper")):
            f = _actor_frame(s, docs, None)
            G = an.collaboration_network(f)
            assert G.number_of_edges() > 0
            got_s, got = gds.network_metrics(s, G, nodes)
            want_s, want = an.network_metrics(G)
            for k in ("nodes", "edges", "density", "components", "largest_component",
                      "total_weight"):
                assert got_s[k] == pytest.approx(want_s[k]), (nodes, k)
            assert got_s["modularity"] == pytest.approx(want_s["modularity"], abs=0.02)
            assert abs(got_s["communities"] - want_s["communities"]) <= 1
            g, w = got.set_index("node"), want.set_index("node").loc[got["node"]]
            for c in ("degree", "strength", "degree_centrality", "betweenness", "closeness"):
                assert np.allclose(g[c], w[c], atol=1e-9, equal_nan=True), (nodes, c)
            _ls, leiden = gds.network_metrics(s, G, nodes, resolution=1.5)
            assert sorted(leiden["node"]) == sorted(G) and (leiden["community"] >= 0).all()
            comp = {u: i for i, c in enumerate(nx.connected_components(G)) for u in c}
            for _c, members in leiden.groupby("community")["node"]:
                assert len({comp[u] for u in members}) == 1, (nodes, list(members))
            # PageRank over the nodes with ties: GDS does not redistribute the rank of
            # isolated (dangling) nodes, networkx does, so they are left out of both
            tied = [u for u in G if G.degree(u)]
            pr = {u: v for u, v in gds.pagerank(s, nodes).items() if u in set(tied)}
            total = sum(pr.values())
            want_pr = nx.pagerank(G.subgraph(tied), weight="weight")
            assert set(pr) == set(want_pr)
            for u, v in pr.items():
                assert v / total == pytest.approx(want_pr[u], abs=1e-3), (nodes, u)
    finally:
        s.close()


if LIVE:  # without a server, test_live_neo4j_server's skip line stands for this test too
    test_gds_network_measures_match_networkx_on_the_demo_graph = (
        _gds_network_measures_match_networkx_on_the_demo_graph)
