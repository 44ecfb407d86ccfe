"""The GDS path without a server: the projection statement (linted by Neo4j's Cypher front
end), the version / plugin / connection errors of ``gds.connect`` (the real
``graphdatascience`` client over a neo4j ``Driver`` answering with canned rows; the real
driver against an unreachable address), the conversion of GDS's streamed scores to
networkx's conventions (checked against networkx on a small graph), and the run through the
client (the client's query runner answering with what GDS's documented semantics return:
neighbours, weighted degree, betweenness over unordered pairs, Wasserman–Faust closeness,
arbitrary community / component / node ids).
Only the database's answers are canned here: every call goes through the real, typed
``graphdatascience`` client, which refuses an argument GDS does not take
(``test_the_client_refuses_an_option_gds_does_not_take``), so a misspelt option fails here;
whether GDS's numbers equal networkx's is checked only against a real server, in
tests/test_live_neo4j.py (it skips without one).

The tests that drive the client need ``graphdatascience`` (2.2 pins ``pyarrow<26``); without
it they skip with that reason."""

from __future__ import annotations

import sys
from typing import Any

import networkx as nx
import neo4j
import numpy as np
import pandas as pd
import pytest

from innograph.errors import StoreUnreachableError
from innograph import analysis as an
from innograph.graph import gds, schema
from innograph.graph.neo4j_store import Neo4jStore

NO_CLIENT = "graphdatascience is not installed (2.2 needs pyarrow<26): pip install it"


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


def _canned_client(G: nx.Graph, version: str = "2.13.2") -> Any:
    """A real ``GraphDataScience`` whose query runner (the client's own boundary to the
    database) answers as GDS would on G's projection, and records what it was asked."""
    pytest.importorskip("graphdatascience", reason=NO_CLIENT)
    from graphdatascience import GraphDataScience
    from graphdatascience.query_runner.query_runner import QueryRunner
    from graphdatascience.versions import ServerVersion

    raw = _gds_like(G)
    node_id = {u: 1000 + 3 * i for i, u in enumerate(sorted(G))}  # GDS's own node ids
    key = {i: u for u, i in node_id.items()}
    col = {"wcc": "componentId", "louvain": "communityId", "leiden": "communityId"}

    class Runner(QueryRunner):
        def __init__(self) -> None:
            self.sent: list[tuple[str, dict[str, Any]]] = []

        def run_retryable_cypher(self, query: str, query_type: Any, params: Any = None,
                                 database: Any = None, mode: Any = None,
                                 custom_error: bool = True, connectivity_retry_config: Any = None
                                 ) -> pd.DataFrame:  # gds.graph.project.cypher
            self.sent.append((query, dict(params or {})))
            return pd.DataFrame({"graph": [{
                "graphName": params["graph"], "nodeCount": len(G),
                "relationshipCount": 2 * G.number_of_edges(), "projectMillis": 1,
                "configuration": {}, "query": query}]})

        run_cypher = run_retryable_cypher

        def call_procedure(self, endpoint: str, query_type: Any = None, params: Any = None,
                           yields: Any = None, database: Any = None, mode: Any = None,
                           logging: bool = False, retryable: bool = False,
                           custom_error: bool = True) -> pd.DataFrame:
            self.sent.append((endpoint, dict(params or {})))
            config = (params or {}).get("config", {})
            algo = endpoint.removeprefix("gds.").removesuffix(".stream")
            if algo == "graph.drop":
                return pd.DataFrame()
            vals = {"degree": raw["strength"] if config.get("relationshipWeightProperty")
                    else raw["deg"],
                    "betweenness": raw["btw"], "closeness": raw["close"],
                    "louvain": raw["member_raw"], "leiden": raw["member_raw"],
                    "wcc": raw["comp"], "pageRank": raw["strength"]}[algo]
            return pd.DataFrame({"nodeId": [node_id[u] for u in vals],
                                 col.get(algo, "score"): list(vals.values())})

        def call_function(self, endpoint: str, query_type: Any = None, params: Any = None,
                          custom_error: bool = True) -> Any:
            self.sent.append((endpoint, dict(params or {})))
            assert endpoint == "gds.util.asNodes"
            return [{schema.node(schema.APPLICANT).key: key[i]} for i in params["nodeIds"]]

        def server_version(self) -> Any:
            return ServerVersion.from_string(version)

        def driver_config(self) -> dict[str, Any]:
            return {}

        def db_driver(self) -> Any:
            raise NotImplementedError

        def encrypted(self) -> bool:
            return False

        def set_database(self, database: str) -> None:
            pass

        def set_bookmarks(self, bookmarks: Any) -> None:
            pass

        def database(self) -> str | None:
            return None

        def bookmarks(self) -> Any:
            return None

        def last_bookmarks(self) -> Any:
            return None

        def set_show_progress(self, show_progress: bool) -> None:
            pass

        def cloneWithoutRouting(self, host: str, port: int) -> Any:
            raise NotImplementedError

        def read_connection_info(self) -> Any:
            raise NotImplementedError

    return GraphDataScience(Runner(), arrow=False, show_progress=False)


class _CannedDriver(neo4j.Driver):
    """A neo4j ``Driver`` (what ``gds.connect`` hands the client) answering the client's
    ``RETURN gds.version()`` with ``answer`` (a version string, or an exception to raise)."""

    def __init__(self, answer: str | BaseException):
        self._closed, self.answer, self.sent = True, answer, []

    @property
    def encrypted(self) -> bool:
        return False

    def execute_query(self, query_: Any, parameters_: Any = None, *a: Any, **kw: Any) -> Any:
        self.sent.append(str(getattr(query_, "text", query_)))
        if isinstance(self.answer, BaseException):
            raise self.answer
        return pd.DataFrame({"gds.version()": [self.answer]})

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
    from .neo4j_recorder import RecordingDriver

    s, df = gds.assemble(nx.Graph(), {}, {}, {}, {}, {}, {}, float("nan"))
    assert s["nodes"] == 0 and df.empty and "betweenness" in df.columns
    drv = RecordingDriver()
    s2, df2 = gds.network_metrics(Neo4jStore(drv), nx.Graph(), "applicant", (2030, 2031))
    assert not drv.sent and df2.empty and s2["nodes"] == 0  # no client, no projection


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


def test_projection_takes_every_value_as_a_parameter():
    for nodes in ("applicant", "institution"):
        q = gds.projection(nodes)
        assert "RETURN gds.graph.project($graph" in q and q.endswith(" AS graph")
        assert "$every_year" in q and "$y0" in q and "$y1" in q
        assert "undirectedRelationshipTypes" in q
    with pytest.raises(ValueError):
        gds.projection("country")
    with pytest.raises(ValueError, match="louvain or leiden"):
        gds.network_metrics(None, _graph(), "applicant", community="girvan")
    with pytest.raises(ValueError, match="distance"):
        gds.network_metrics(None, _graph(), "applicant", distance="miles")


def test_projection_statements_pass_neo4js_linter():
    from .test_neo4j_path import _lint

    queries = [gds.projection("applicant"), gds.projection("institution"),
               gds.projection("applicant").replace(":Applicant", ":Aplicant")]  # a typo
    results = _lint([{"id": i, "query": q,
                      "parameters": {"graph": "g", "every_year": True, "y0": 0, "y1": 0}}
                     for i, q in enumerate(queries)])
    for r, q in zip(results[:2], queries):
        bad = [d["message"] for d in r["diagnostics"]
               if d["severity"] == "error" or "not present in the database" in d["message"]]
        assert not bad, (bad, q)
    assert any("not present" in d["message"] for d in results[2]["diagnostics"])


def test_gds_version_and_missing_plugin_messages():
    assert gds.check_gds_version("2.13.2") == (2, 13, 2)
    with pytest.raises(StoreUnreachableError, match="GDS 2.13 or later"):
        gds.check_gds_version("2.12.9")  # older than the client supports
    err = neo4j.exceptions.Neo4jError._hydrate_neo4j(
        code="Neo.ClientError.Statement.SyntaxError",
        message="Unknown function 'gds.version' (line 1, column 8 (offset: 7))")
    msg = gds.plugin_missing("gds", err, "bolt://h:7687")
    assert msg.startswith("Neo4j at bolt://h:7687 has no Graph Data Science (gds) plugin "
                          "(or one older than 2.13): add it to NEO4J_PLUGINS")
    assert "INNOGRAPH_GDS=0" in msg
    assert gds.plugin_missing("apoc", err).startswith("Neo4j has no APOC plugin")
    other = neo4j.exceptions.Neo4jError._hydrate_neo4j(
        code="Neo.ClientError.Statement.SyntaxError", message="Invalid input 'RETRN'")
    assert gds.plugin_missing("gds", other) is None


def test_connect_checks_the_server_through_the_client():
    """``gds.connect`` on a neo4j Driver: the client asks ``gds.version()``; Neo4j's answer
    for a missing plugin, an old GDS, and a current one."""
    pytest.importorskip("graphdatascience", reason=NO_CLIENT)
    missing = neo4j.exceptions.Neo4jError._hydrate_neo4j(
        code="Neo.ClientError.Statement.SyntaxError",
        message="Unknown function 'gds.version' (line 1, column 8 (offset: 7))")
    drv = _CannedDriver(missing)
    with pytest.raises(StoreUnreachableError, match="has no Graph Data Science.*INNOGRAPH_GDS=0"):
        gds.connect(Neo4jStore(drv))
    assert any("gds.version()" in q for q in drv.sent)
    with pytest.raises(StoreUnreachableError, match="2.12.0 is too old"):
        gds.connect(Neo4jStore(_CannedDriver("2.12.0")))
    assert gds.require_gds(Neo4jStore(_CannedDriver("2.13.2"))) == (2, 13, 2)


def test_connect_to_an_unreachable_server_with_the_real_driver():
    pytest.importorskip("graphdatascience", reason=NO_CLIENT)
    drv = neo4j.GraphDatabase.driver("bolt://127.0.0.1:9", auth=("neo4j", "x"),
                                     connection_timeout=1, max_transaction_retry_time=0)
    try:
        with pytest.raises(StoreUnreachableError, match="cannot reach Neo4j.*docker compose"):
            gds.connect(Neo4jStore(drv))
    finally:
        drv.close()


def test_connect_without_the_client_says_how_to_get_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "graphdatascience", None)  # import fails
    with pytest.raises(StoreUnreachableError, match="pip install graphdatascience"):
        gds.connect(Neo4jStore(_CannedDriver("2.13.2")))


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


def test_network_metrics_through_the_client():
    G = _graph()
    client = _canned_client(G)
    sent = client._query_runner.sent
    s, df = gds.network_metrics(None, G, "applicant", (2010, 2015), client=client)
    s_nx, df_nx = an.network_metrics(G)
    assert df["node"].tolist() == df_nx["node"].tolist()
    for c in ("degree", "strength", "degree_centrality", "betweenness", "closeness"):
        assert np.allclose(df[c].astype(float), df_nx[c].astype(float)), c
    assert s["modularity"] == pytest.approx(
        nx.community.modularity(G, list(nx.connected_components(G)), weight="weight"))
    assert s["communities"] == 3 and s["components"] == 3
    calls = {e: p for e, p in sent}
    project = next(q for q, _p in sent if "gds.graph.project" in q)
    assert project == gds.projection("applicant")
    assert calls[project]["y0"] == 2010 and calls[project]["every_year"] is False
    assert calls["gds.louvain.stream"]["config"]["concurrency"] == 1  # reruns repeat
    assert calls["gds.closeness.stream"]["config"]["useWassermanFaust"] is True
    assert sent[-2][0] == "gds.graph.drop"  # dropped before the ids are mapped
    assert calls["gds.graph.drop"]["graph_name"] == calls[project]["graph"]

    # weighted distances, sampled betweenness, Leiden at another resolution
    sent.clear()
    s2, df2 = gds.network_metrics(None, G, "institution", None, distance="inverse_weight",
                                  betweenness_k=2, seed=5, resolution=1.5, client=client)
    calls = {e: p for e, p in sent}
    bconf = calls["gds.betweenness.stream"]["config"]
    assert bconf["relationshipWeightProperty"] == "distance"
    assert (bconf["samplingSize"], bconf["samplingSeed"]) == (2, 5)
    assert "gds.closeness.stream" not in calls  # weighted closeness: networkx
    assert calls["gds.leiden.stream"]["config"]["gamma"] == 1.5
    assert calls["gds.leiden.stream"]["config"]["randomSeed"] == 5
    want_btw = {u: v * 6 / 2 / 10 for u, v in _gds_like(G)["btw"].items()}  # n/k, C(5, 2)
    assert df2.set_index("node")["betweenness"].to_dict() == pytest.approx(want_btw)
    _s, want = an.network_metrics(G, distance="inverse_weight")
    assert np.allclose(df2["closeness"], want["closeness"])


def test_the_client_refuses_an_option_gds_does_not_take():
    """The boundary the canned tests rely on: the client's typed endpoints reject a keyword
    that is not a GDS option before anything reaches the database."""
    G = _graph()
    client = _canned_client(G)
    with gds._project(client, "applicant", (2010, 2015)) as P:
        with pytest.raises(TypeError, match="use_wasserman_fau"):
            client.closeness.stream(P, use_wasserman_fau=True)
    assert not any(e == "gds.closeness.stream" for e, _p in client._query_runner.sent)


def test_pagerank_through_the_client():
    G = _graph()
    client = _canned_client(G)
    pr = gds.pagerank(None, "applicant", (2010, 2012), damping=0.5, client=client)
    assert pr == pytest.approx(_gds_like(G)["strength"])  # the canned scores, by actor key
    calls = dict(client._query_runner.sent)
    assert calls["gds.pageRank.stream"]["config"]["dampingFactor"] == 0.5
    assert calls["gds.pageRank.stream"]["config"]["relationshipWeightProperty"] == "weight"


def test_analyze_network_on_neo4j_sends_the_algorithms_to_gds(tmp_path, monkeypatch):
    """Dispatch: on a Neo4j store the applicant network's measures come from GDS (the client
    answering as in test_network_metrics_through_the_client); INNOGRAPH_GDS=0 asks GDS
    nothing and uses networkx."""
    from innograph.pipeline.analyze import QUERIES, analyze_network

    from .neo4j_recorder import RecordingDriver

    applied = {"P1": ["a1", "a3"], "P2": ["a1"], "P3": ["a2"], "P4": ["a1", "a2"],
               "P5": ["a3", "a4"], "P6": ["a4", "a5"], "P7": ["a4"], "P8": ["a6"]}
    rows = [{"document": p, "year": 2012, "actor": a, "name": a.upper(), "region": None}
            for p, aa in applied.items() for a in aa]
    G = an.collaboration_network(pd.DataFrame(rows))
    client = _canned_client(G)
    connected: list[Any] = []
    monkeypatch.setattr(gds, "connect", lambda store: connected.append(store) or client)
    drv = RecordingDriver(lambda q, p: rows if q == QUERIES["patent_applicants"] else [])
    store = Neo4jStore(drv)
    monkeypatch.delenv("INNOGRAPH_GDS", raising=False)
    res = analyze_network(store, "applicant", out=tmp_path / "gds")
    assert connected == [store]
    asked = [e for e, _p in client._query_runner.sent]
    assert asked[0].startswith("MATCH (x:Applicant)") and "gds.graph.project" in asked[0]
    assert {"gds.degree.stream", "gds.betweenness.stream", "gds.closeness.stream",
            "gds.louvain.stream", "gds.wcc.stream", "gds.graph.drop",
            "gds.util.asNodes"} == set(asked[1:])
    _s, want = an.network_metrics(G)
    got = res.tables["nodes"].drop(columns="period")
    assert got["node"].tolist() == want["node"].tolist()
    for c in ("degree", "strength", "betweenness", "closeness", "constraint"):
        assert np.allclose(got[c].astype(float), want[c].astype(float), equal_nan=True), c
    assert res.summary["modularity"] == pytest.approx(
        nx.community.modularity(G, list(nx.connected_components(G)), weight="weight"))

    client._query_runner.sent.clear()
    connected.clear()
    monkeypatch.setenv("INNOGRAPH_GDS", "0")
    res0 = analyze_network(store, "applicant", out=tmp_path / "nx")
    assert not connected and not client._query_runner.sent
    assert not any("gds." in q for _m, q, _p in drv.sent)
    pd.testing.assert_frame_equal(res0.tables["nodes"].drop(columns="community"),
                                  res.tables["nodes"].drop(columns="community"),
                                  check_dtype=False)
