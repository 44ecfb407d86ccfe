"""The GDS path's pure parts: statements, version / plugin checks, and the conversion of
GDS's streamed scores to networkx's conventions (checked against networkx on a small graph,
feeding what GDS's documented semantics return: neighbours, weighted degree, betweenness over
unordered pairs, Wasserman–Faust closeness, arbitrary community / component ids).
The comparison with a real GDS lives in tests/test_live_neo4j.py (needs a server)."""

from __future__ import annotations

import networkx as nx
import neo4j
import numpy as np
import pandas as pd
import pytest

from innograph.errors import StoreUnreachableError
from innograph import analysis as an
from innograph.graph import gds


def _graph() -> nx.Graph:
    G = nx.Graph()
    for u, docs in {"a": 1, "b": 2, "c": 1, "d": 3, "e": 2, "f": 2}.items():
        G.add_node(u, documents=docs, name=u.upper())
    G.add_edge("a", "b", weight=1)
    G.add_edge("b", "c", weight=1)
    G.add_edge("e", "f", weight=2)
    return G


def _gds_like(G: nx.Graph) -> dict:
    """What GDS streams for G, by its documented semantics (independent of gds.assemble)."""
    unnorm = nx.betweenness_centrality(G, normalized=False)  # unordered pairs
    comps = {u: 100 + i for i, c in enumerate(nx.connected_components(G)) for u in c}
    return dict(deg={u: float(G.degree(u)) for u in G},
                strength={u: float(G.degree(u, weight="weight")) for u in G},
                btw=unnorm,  # unordered pairs: see test_betweenness_of_the_gds_manual_example
                close=nx.closeness_centrality(G, wf_improved=True),
                member_raw={u: 7 * comps[u] for u in G}, comp=comps)


def test_assemble_matches_networkx_measures():
    G = _graph()
    raw = _gds_like(G)
    mod = nx.community.modularity(G, list(nx.connected_components(G)), weight="weight")
    s, df = gds.assemble(G, raw["deg"], raw["strength"], raw["btw"], raw["close"],
                         raw["member_raw"], raw["comp"], mod)
    s_nx, df_nx = an.network_metrics(G)
    for k in ("nodes", "edges", "density", "components", "largest_component", "communities",
              "total_weight"):
        assert s[k] == pytest.approx(s_nx[k]), k
    assert s["modularity"] == pytest.approx(s_nx["modularity"])
    assert list(df.columns) == list(df_nx.columns)
    assert df["node"].tolist() == df_nx["node"].tolist()
    for c in ("degree", "strength", "degree_centrality", "betweenness", "closeness",
              "effective_size", "constraint", "documents", "name"):
        a, b = df[c].to_numpy(), df_nx[c].to_numpy()
        if a.dtype.kind == "f":
            assert np.allclose(a, b, equal_nan=True), c
        else:
            assert list(a) == list(b), c
    assert df.set_index("node").loc["b", "betweenness"] == pytest.approx(0.1)  # 1 / C(5, 2)
    # communities: same partition, numbered by size then smallest member
    assert df.set_index("node")["community"].to_dict() == {"a": 0, "b": 0, "c": 0, "e": 1,
                                                           "f": 1, "d": 2}


def test_assemble_refuses_nodes_the_python_network_lacks():
    G = _graph()
    raw = _gds_like(G)
    raw["deg"]["zz"] = 1.0
    with pytest.raises(ValueError, match="zz"):
        gds.assemble(G, raw["deg"], raw["strength"], raw["btw"], raw["close"],
                     raw["member_raw"], raw["comp"], 0.0)


def test_empty_network():
    from innograph.graph.neo4j_store import Neo4jStore

    from .neo4j_recorder import RecordingDriver

    s, df = gds.assemble(nx.Graph(), {}, {}, {}, {}, {}, {}, float("nan"))
    assert s["nodes"] == 0 and df.empty and "betweenness" in df.columns
    drv = RecordingDriver()
    s2, df2 = gds.network_metrics(Neo4jStore(drv), nx.Graph(), "applicant", (2030, 2031))
    assert not drv.sent and df2.empty and s2["nodes"] == 0  # no projection of nothing


def test_a_half_open_year_range_is_refused_before_anything_is_sent():
    """The GDS projection needs both year bounds (pipeline.analyze closes an open end with
    the data's first / last year first); a half-open range is a ValueError, not all years."""
    from innograph.graph.neo4j_store import Neo4jStore

    from .neo4j_recorder import RecordingDriver

    G = nx.Graph([("a1", "a2")])
    for years in ((2015, None), (None, 2015)):
        drv = RecordingDriver()
        with pytest.raises(ValueError, match="closed year range"):
            gds.pagerank(Neo4jStore(drv), "applicant", years)
        with pytest.raises(ValueError, match="closed year range"):
            gds.network_metrics(Neo4jStore(drv), G, "applicant", years)
        assert not drv.sent


def test_statements_take_every_value_as_a_parameter():
    for nodes in ("applicant", "institution"):
        q = gds.projection(nodes)
        assert "gds.graph.project($graph" in q and "$every_year" in q and "$y0" in q
        assert "undirectedRelationshipTypes" in q
    with pytest.raises(ValueError):
        gds.projection("country")
    assert gds.stream("betweenness") == (
        "CALL gds.betweenness.stream($graph, $config) YIELD nodeId, score "
        "RETURN gds.util.asNode(nodeId).id AS node, score AS score")
    with pytest.raises(ValueError):
        gds.stream("nope")
    with pytest.raises(ValueError):
        gds.communities_mutate("girvan")


def test_gds_version_and_missing_plugin_messages():
    assert gds.check_gds_version("2.13.2") == (2, 13, 2)
    with pytest.raises(StoreUnreachableError, match="GDS 2.4 or later"):
        gds.check_gds_version("2.3.9")  # before the Cypher-aggregation projection
    err = neo4j.exceptions.Neo4jError._hydrate_neo4j(
        code="Neo.ClientError.Statement.SyntaxError",
        message="Unknown function 'gds.version' (line 1, column 8 (offset: 7))")
    msg = gds.plugin_missing("gds", err, "bolt://h:7687")
    assert msg.startswith("Neo4j at bolt://h:7687 has no Graph Data Science (gds) plugin "
                          "(or one older than 2.4): add it to NEO4J_PLUGINS")
    assert "INNOGRAPH_GDS=0" in msg
    assert gds.plugin_missing("apoc", err).startswith("Neo4j has no APOC plugin")
    other = neo4j.exceptions.Neo4jError._hydrate_neo4j(
        code="Neo.ClientError.Statement.SyntaxError", message="Invalid input 'RETRN'")
    assert gds.plugin_missing("gds", other) is None


def test_gds_switch(monkeypatch):
    monkeypatch.delenv("INNOGRAPH_GDS", raising=False)
    assert gds.enabled()
    monkeypatch.setenv("INNOGRAPH_GDS", "off")
    assert not gds.enabled()


def test_betweenness_of_the_gds_manual_example():
    """GDS manual, Betweenness Centrality, "Undirected": the example graph projected
    UNDIRECTED streams Carol 9.5, Dan 3.0, Eve 3.0, Frank 5.5, others 0 (the manual's
    numbers, typed in). Converted, they must equal networkx's normalised betweenness."""
    G = nx.Graph([("alice", "carol"), ("bob", "carol"), ("carol", "dan"), ("carol", "eve"),
                  ("dan", "frank"), ("eve", "frank"), ("frank", "gale")])
    manual = {"alice": 0.0, "bob": 0.0, "carol": 9.5, "dan": 3.0, "eve": 3.0, "frank": 5.5,
              "gale": 0.0}
    deg = {u: float(G.degree(u)) for u in G}
    comp = {u: 0 for u in G}
    _s, df = gds.assemble(G, deg, deg, manual, nx.closeness_centrality(G), comp, comp, 0.0)
    want = nx.betweenness_centrality(G)
    got = df.set_index("node")["betweenness"].to_dict()
    assert got == pytest.approx(want)
    assert got["carol"] == pytest.approx(9.5 / 15)  # C(6, 2) = 15 pairs of the others


def test_analyze_network_on_neo4j_sends_the_algorithms_to_gds(tmp_path, monkeypatch):
    """Dispatch: on a Neo4j store the applicant network's measures come from GDS statements
    (answered here at the driver boundary with GDS's documented semantics computed by
    networkx on the same rows); INNOGRAPH_GDS=0 sends none and uses networkx."""
    from innograph.graph.neo4j_store import Neo4jStore
    from innograph.pipeline.analyze import QUERIES, analyze_network

    from .neo4j_recorder import RecordingDriver

    applied = {"P1": ["a1", "a3"], "P2": ["a1"], "P3": ["a2"], "P4": ["a1", "a2"],
               "P5": ["a3", "a4"], "P6": ["a4", "a5"], "P7": ["a4"], "P8": ["a6"]}
    rows = [{"document": p, "year": 2012, "actor": a, "name": a.upper(), "region": None}
            for p, aa in applied.items() for a in aa]
    G = an.collaboration_network(pd.DataFrame(rows))
    raw = _gds_like(G)
    mod = nx.community.modularity(G, list(nx.connected_components(G)), weight="weight")

    def answer(q, p):
        if q == QUERIES["patent_applicants"]:
            return rows
        if "gds.degree" in q:
            vals = raw["strength"] if p["config"].get("relationshipWeightProperty") else raw["deg"]
        elif "gds.betweenness" in q:
            vals = raw["btw"]
        elif "gds.closeness" in q:
            vals = raw["close"]
        elif "mutate" in q:
            return [{"communities": len(set(raw["member_raw"].values())), "modularity": mod}]
        elif "nodeProperty.stream" in q:
            vals = raw["member_raw"]
        elif "gds.wcc" in q:
            vals = raw["comp"]
        else:
            return []
        return [{"node": u, "score": v} for u, v in vals.items()]

    drv = RecordingDriver(answer)
    store = Neo4jStore(drv)
    monkeypatch.delenv("INNOGRAPH_GDS", raising=False)
    res = analyze_network(store, "applicant", out=tmp_path / "gds")
    sent = [q for _m, q, _p in drv.sent]
    assert any(q.startswith("MATCH (x:Applicant)") and "gds.graph.project" in q for q in sent)
    assert sum("gds." in q for q in sent) == 9  # project, 2 degree, btw, close, mutate,
    # community stream, wcc, drop
    _s, want = an.network_metrics(G)
    got = res.tables["nodes"].drop(columns="period")
    assert got["node"].tolist() == want["node"].tolist()
    for c in ("degree", "strength", "betweenness", "closeness", "constraint"):
        assert np.allclose(got[c].astype(float), want[c].astype(float), equal_nan=True), c
    assert res.summary["modularity"] == pytest.approx(mod)

    drv.sent.clear()
    monkeypatch.setenv("INNOGRAPH_GDS", "0")
    res0 = analyze_network(store, "applicant", out=tmp_path / "nx")
    assert not any("gds." in q for _m, q, _p in drv.sent)
    pd.testing.assert_frame_equal(res0.tables["nodes"].drop(columns="community"),
                                  res.tables["nodes"].drop(columns="community"),
                                  check_dtype=False)


def test_a_server_without_gds_gets_the_plugin_line():
    from innograph.graph.neo4j_store import Neo4jStore

    from .neo4j_recorder import RecordingDriver

    def answer(q, p):
        if "gds." in q:  # what Neo4j answers when the function is not installed
            raise neo4j.exceptions.Neo4jError._hydrate_neo4j(
                code="Neo.ClientError.Statement.SyntaxError",
                message="Unknown function 'gds.graph.project' (line 1, column 200)")
        return []

    store = Neo4jStore(RecordingDriver(answer))
    with pytest.raises(StoreUnreachableError, match="has no Graph Data Science"):
        gds.network_metrics(store, _graph(), "applicant")
    with pytest.raises(StoreUnreachableError, match="INNOGRAPH_GDS=0"):
        gds.require_gds(store)
