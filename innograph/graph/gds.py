"""Collaboration-network measures computed by Neo4j Graph Data Science (GDS 2.x) in the database.

On Neo4j, ``pipeline.analyze.analyze_network`` sends the applicant / institution networks'
algorithms here instead of to networkx (which stays for the embedded store and for the
region / country networks, whose nodes are properties, not graph nodes):

1. project the weighted co-application (patents → applicants) or co-affiliation (papers →
   institutions, directly and through the authors) network into GDS's catalog with a Cypher
   aggregation projection (``gds.graph.project``; undirected, edge property ``weight`` =
   shared documents, ``distance`` = 1 / weight; every actor of a document in the period is a
   node, so actors with solo documents only are isolated nodes, as in networkx);
2. stream ``gds.degree`` (partners and, weighted, strength), ``gds.betweenness`` (sampled
   with ``samplingSize`` / ``samplingSeed`` when asked), ``gds.closeness``
   (Wasserman–Faust), ``gds.louvain`` or ``gds.leiden`` (mutated, then streamed, so the
   communities and the modularity come from one run), ``gds.wcc`` (components), and
   ``gds.pageRank`` (``pagerank``);
3. drop the projection.

Every statement is a builder here (parameters only; the graph name is a parameter) and is
linted with Neo4j's Cypher front end in ``tests/test_neo4j_path.py``. The statements run in
one auto-commit session (``session.run``) so that they reach the server holding the
projection.

Conversions to networkx's conventions (``analysis.networks.network_metrics``):

- betweenness: on an undirected projection GDS counts each unordered (s, t) pair once, as
  networkx's unnormalised undirected value does (GDS manual, Betweenness Centrality,
  "Undirected" example: Carol 9.5, Frank 5.5 = networkx's numbers), so networkx's
  normalised value is ``score / ((n − 1)(n − 2) / 2)``. Sampled (``samplingSize`` = k): GDS
  does not scale its partial sums (same manual, "Sampling"), networkx multiplies by n / k,
  so the GDS estimate is multiplied by n / k too; GDS picks sources with probability
  proportional to degree, networkx uniformly, so sampled values are estimates of the same
  quantity, not equal numbers;
- degree centrality ``degree / (n − 1)``;
- closeness: ``useWassermanFaust: true`` is networkx's ``wf_improved`` form (GDS's
  ``WassermanFaustCentralityComputer``: (r / farness) · (r / (n − 1))); GDS closeness is
  unweighted, so ``distance="inverse_weight"`` closeness is computed by networkx on the
  Python graph (betweenness uses the projected ``distance``);
- communities: renumbered like networkx's (by size, then smallest member), modularity as
  GDS reports it (weighted); run single-threaded (``concurrency: 1``) so that a rerun gives
  the same partition, as the seeded networkx run does (Leiden also takes ``seed``);
- Burt's effective size and constraint have no GDS procedure: networkx on the Python graph.

``INNOGRAPH_GDS=0`` makes the analyses use networkx on Neo4j too (e.g. Aura Free, which has
no GDS).
"""

from __future__ import annotations

import os
import uuid
from typing import Any, Literal

import networkx as nx
import numpy as np
import pandas as pd

from ..errors import StoreUnreachableError
from . import schema as S

GDS_ENV = "INNOGRAPH_GDS"
MIN_GDS = (2, 4)  # the gds.graph.project Cypher aggregation (projection()) exists from 2.4
BETWEENNESS_ORDERED_PAIRS = False  # GDS counts unordered pairs (module doc)

_YEARS = "($every_year OR (d.year >= $y0 AND d.year <= $y1))"
# the actor key the streams return (both actor labels are keyed alike in graph.schema)
_KEY = S.node(S.APPLICANT).key
if S.node(S.INSTITUTION).key != _KEY:  # pragma: no cover - a schema change must revisit this
    raise ImportError("gds.py assumes Applicant and Institution share their key property")

#: (document, actor) rows of each network, as a Cypher pattern binding ``d`` and ``actors``.
_ACTORS = {
    "applicant": (
        f"MATCH (x:{S.APPLICANT})-[:{S.APPLIED_FOR}]->(d:{S.PATENT}) WHERE {_YEARS} "
        "WITH d, collect(DISTINCT x) AS actors"),
    "institution": (
        f"MATCH (d:{S.PAPER}) WHERE {_YEARS} "
        f"OPTIONAL MATCH (d)-[:{S.AFFILIATED_WITH}]->(i:{S.INSTITUTION}) "
        "WITH d, collect(DISTINCT i) AS direct "
        f"OPTIONAL MATCH (au:{S.AUTHOR})-[:{S.AUTHORED}]->(d), "
        f"(au)-[:{S.AFFILIATED_WITH}]->(j:{S.INSTITUTION}) "
        "WITH d, direct, collect(DISTINCT j) AS via "
        "UNWIND direct + via AS x WITH d, collect(DISTINCT x) AS actors"),
}

VERSION_QUERY = "RETURN gds.version() AS version"


def enabled() -> bool:
    """False when ``$INNOGRAPH_GDS`` is 0 / false / off / no."""
    return os.environ.get(GDS_ENV, "1").strip().lower() not in ("0", "false", "off", "no")


# ------------------------------------------------------------------- statements
def projection(nodes: str) -> str:
    """``gds.graph.project`` of the ``nodes`` ("applicant" | "institution") network.

    Parameters ``$graph`` (catalog name), ``$every_year``, ``$y0``, ``$y1``. Returns one row
    ``graph, nodes, relationships``. Pairs ``a.id < b.id`` give one undirected relationship
    each; the pair (a, a) puts every actor in as a node (no relationship: target null).
    """
    try:
        actors = _ACTORS[nodes]
    except KeyError:
        raise ValueError(f"GDS networks are over {sorted(_ACTORS)}, not {nodes!r}") from None
    return (
        f"{actors} UNWIND actors AS a UNWIND actors AS b "
        f"WITH a, b, d WHERE a.{_KEY} <= b.{_KEY} "
        "WITH a, b, count(d) AS w "
        "WITH gds.graph.project($graph, a, CASE WHEN a = b THEN null ELSE b END, "
        "CASE WHEN a = b THEN {} ELSE "
        "{relationshipProperties: {weight: toFloat(w), distance: 1.0 / w}} END, "
        "{undirectedRelationshipTypes: ['*']}) AS g "
        "RETURN g.graphName AS graph, g.nodeCount AS nodes, g.relationshipCount AS relationships"
    )


def stream(algorithm: str) -> str:
    """``CALL gds.<algorithm>.stream($graph, $config)``: columns ``node`` (actor id), ``score``."""
    if algorithm not in ("degree", "betweenness", "closeness", "pageRank", "wcc"):
        raise ValueError(f"no GDS stream statement for {algorithm!r}")
    col = "componentId" if algorithm == "wcc" else "score"
    return (f"CALL gds.{algorithm}.stream($graph, $config) YIELD nodeId, {col} "
            f"RETURN gds.util.asNode(nodeId).{_KEY} AS node, {col} AS score")


def communities_mutate(algorithm: Literal["louvain", "leiden"]) -> str:
    """Louvain / Leiden into the projection's ``community`` property; ``communities``,
    ``modularity``."""
    if algorithm not in ("louvain", "leiden"):
        raise ValueError(f"community algorithm must be louvain or leiden, not {algorithm!r}")
    return (f"CALL gds.{algorithm}.mutate($graph, $config) YIELD communityCount, modularity "
            "RETURN communityCount AS communities, modularity")


COMMUNITY_STREAM = ("CALL gds.graph.nodeProperty.stream($graph, 'community') "
                    "YIELD nodeId, propertyValue "
                    f"RETURN gds.util.asNode(nodeId).{_KEY} AS node, propertyValue AS score")
DROP = "CALL gds.graph.drop($graph, false) YIELD graphName RETURN graphName AS graph"


# ----------------------------------------------------------------- pure checks
def check_gds_version(text: str) -> tuple[int, ...]:
    """``gds.version()`` text → version tuple; StoreUnreachableError when older than 2.4."""
    from .neo4j_store import parse_version

    v = parse_version(text)
    if v[:2] < MIN_GDS:
        raise StoreUnreachableError(f"Graph Data Science {text} is too old: innograph needs "
                                    "GDS 2.4 or later (docker compose starts a current one)")
    return v


def plugin_missing(plugin: str, err: BaseException, url: str = "") -> str | None:
    """The one-line message when ``err`` (from calling ``<plugin>.version()``) says the
    plugin is not installed; None when the error is something else."""
    text = f"{getattr(err, 'code', '')} {err}"
    if ("Unknown function" in text or "ProcedureNotFound" in text
            or "no procedure with the name" in text.lower()
            or "function is not registered" in text.lower()):
        name = {"gds": "Graph Data Science (gds) plugin (or one older than 2.4)",
                "apoc": "APOC plugin"}.get(plugin, plugin)
        return (f"Neo4j{' at ' + url if url else ''} has no {name}: add it to "
                f"NEO4J_PLUGINS (docker-compose.yml does) and restart"
                + (", or set INNOGRAPH_GDS=0 to compute the analyses in networkx"
                   if plugin == "gds" else ""))
    return None


# --------------------------------------------------------------------- running
class _Session:
    """One auto-commit session on the store's driver (read access: GDS projections and
    stream / mutate modes write nothing to the database)."""

    def __init__(self, store: Any):
        kw: dict[str, Any] = {"default_access_mode": "READ"}
        if getattr(store, "database", None):
            kw["database"] = store.database
        self.store, self.session = store, store.driver.session(**kw)

    def run(self, query: str, **params: Any) -> list[dict[str, Any]]:
        return self.session.run(query, params).data()

    def close(self) -> None:
        self.session.close()


def require_gds(store: Any) -> tuple[int, ...]:
    """The GDS version on the store's server; StoreUnreachableError (one line) when missing."""
    s = _Session(store)
    try:
        rows = s.run(VERSION_QUERY)
    except Exception as e:  # the driver's ClientError: say what to do when it is the plugin
        msg = plugin_missing("gds", e)
        if msg is None:
            raise
        raise StoreUnreachableError(msg) from e
    finally:
        s.close()
    return check_gds_version(rows[0]["version"] if rows else "0")


def _project(s: _Session, nodes: str, name: str, params: dict[str, Any]) -> None:
    """Run the projection; a server without GDS gives the one-line plugin message."""
    try:
        s.run(projection(nodes), graph=name, **params)
    except Exception as e:  # the driver's ClientError (unknown function gds.graph.project)
        msg = plugin_missing("gds", e)
        if msg is None:
            raise
        raise StoreUnreachableError(msg) from e


def _year_params(years: tuple[int | None, int | None] | None) -> dict[str, Any]:
    """``$every_year``, ``$y0``, ``$y1`` of :func:`projection` for a closed year range, or
    for every document (``None`` or ``(None, None)``). ValueError on a range open at one
    end: the projection needs both bounds (``pipeline.analyze`` closes open ends with the
    data's first / last year before it calls GDS)."""
    lo, hi = years if years else (None, None)
    if lo is None and hi is None:
        return {"every_year": True, "y0": 0, "y1": 0}
    if lo is None or hi is None:
        raise ValueError(f"GDS projections need a closed year range, not {years!r}")
    return {"every_year": False, "y0": int(lo), "y1": int(hi)}


def _scores(rows: list[dict[str, Any]]) -> dict[Any, float]:
    return {r["node"]: r["score"] for r in rows}


def network_metrics(store: Any, G: nx.Graph, nodes: str,
                    years: tuple[int, int] | tuple[None, None] | None = None,
                    weight: str = "weight",
                    distance: Literal["hops", "inverse_weight"] = "hops",
                    seed: int | None = 0, resolution: float = 1.0,
                    betweenness_k: int | None = None,
                    community: Literal["louvain", "leiden"] | None = None,
                    ) -> tuple[dict[str, float], pd.DataFrame]:
    """``analysis.networks.network_metrics`` with the graph algorithms run by GDS in the database.

    Parameters
    ----------
    store : Neo4jStore
        Its driver runs the GDS statements.
    G : networkx.Graph
        The same network built in Python (``analysis.networks.collaboration_network``): gives node
        names and document counts, Burt's measures, and the node order of the result.
    nodes : {"applicant", "institution"}
        Which network to project (patents → applicants, papers → institutions).
    years : (first, last) or None
        Inclusive year bounds of the period; None (or (None, None)): every document.
    distance, seed, resolution, betweenness_k
        As in ``analysis.networks.network_metrics``; ``seed`` also seeds sampled betweenness and
        Leiden.
    community : {"louvain", "leiden"}, optional
        Default: Louvain at resolution 1, Leiden (``gamma`` = resolution) otherwise (GDS's
        Louvain has no resolution parameter).

    Returns
    -------
    (dict, DataFrame)
        The same figures and columns as ``analysis.networks.network_metrics`` (plus nothing), rows
        sorted by strength (desc) then node.
    """
    from ..analysis import networks as an

    if distance not in ("hops", "inverse_weight"):
        raise ValueError(f"distance must be 'hops' or 'inverse_weight', not {distance!r}")
    if G.number_of_nodes() == 0:  # nothing to project (GDS would make no graph)
        return assemble(G, {}, {}, {}, {}, {}, {}, float("nan"))
    params = _year_params(years)
    algo = community or ("louvain" if resolution == 1.0 else "leiden")
    name = f"innograph-{nodes}-{uuid.uuid4().hex[:12]}"
    s = _Session(store)
    try:
        _project(s, nodes, name, params)
        try:
            deg = _scores(s.run(stream("degree"), graph=name, config={}))
            strength = _scores(s.run(stream("degree"), graph=name,
                                     config={"relationshipWeightProperty": weight}))
            bconf: dict[str, Any] = {}
            if distance == "inverse_weight":
                bconf["relationshipWeightProperty"] = "distance"
            n = len(deg)
            if betweenness_k and betweenness_k < n:
                bconf.update(samplingSize=int(betweenness_k),
                             samplingSeed=int(seed) if seed is not None else 0)
            btw = _scores(s.run(stream("betweenness"), graph=name, config=bconf))
            if "samplingSize" in bconf:  # GDS leaves sampled sums unscaled; networkx scales
                btw = {u: v * n / bconf["samplingSize"] for u, v in btw.items()}
            close = (_scores(s.run(stream("closeness"), graph=name,
                                   config={"useWassermanFaust": True}))
                     if distance == "hops" else None)
            cconf: dict[str, Any] = {"mutateProperty": "community",  # one thread: runs repeat
                                     "relationshipWeightProperty": weight, "concurrency": 1}
            if algo == "leiden":
                cconf.update(gamma=float(resolution), randomSeed=int(seed or 0))
            crow = s.run(communities_mutate(algo), graph=name, config=cconf)
            member_raw = _scores(s.run(COMMUNITY_STREAM, graph=name))
            comp = _scores(s.run(stream("wcc"), graph=name, config={}))
        finally:
            s.run(DROP, graph=name)
    finally:
        s.close()
    return assemble(G, deg, strength, btw, close, member_raw, comp,
                    float(crow[0]["modularity"]) if crow else float("nan"),
                    weight=weight, distance=distance)


def assemble(G: nx.Graph, deg: dict[Any, float], strength: dict[Any, float],
             btw: dict[Any, float], close: dict[Any, float] | None,
             member_raw: dict[Any, Any], comp: dict[Any, Any], modularity: float,
             weight: str = "weight", distance: str = "hops"
             ) -> tuple[dict[str, float], pd.DataFrame]:
    """GDS's streamed scores (by actor id) → ``analysis.networks.network_metrics``'s summary and
    table (conversions in the module doc). Nodes of ``G`` that GDS did not return (there
    should be none) get nan; a GDS node missing from ``G`` is an error."""
    from ..analysis import networks as an

    extra = set(deg) - set(G)
    if extra:
        raise ValueError(f"GDS projected nodes the Python network lacks: {sorted(extra)[:5]}")
    nodes = list(G)
    n = len(nodes)
    m2 = sum(deg.get(u, 0.0) for u in nodes)
    groups: dict[Any, set[Any]] = {}
    for u in nodes:
        if u in member_raw:
            groups.setdefault(member_raw[u], set()).add(u)
    comms = sorted(groups.values(), key=lambda c: (-len(c), min(str(x) for x in c)))
    member = {u: i for i, c in enumerate(comms) for u in c}
    sizes: dict[Any, int] = {}
    for u in nodes:
        if u in comp:
            sizes[comp[u]] = sizes.get(comp[u], 0) + 1
    m = int(round(m2 / 2))
    summary: dict[str, float] = {
        "nodes": n, "edges": m,
        "density": (2.0 * m / (n * (n - 1))) if n >= 2 else float("nan"),
        "components": len(sizes), "largest_component": max(sizes.values(), default=0),
        "communities": len(comms), "modularity": modularity if m else float("nan"),
        "total_weight": float(sum(strength.get(u, 0.0) for u in nodes) / 2.0),
    }
    cols = ["node", "degree", "strength", "degree_centrality", "betweenness", "closeness",
            "effective_size", "constraint", "community"]
    if n == 0:
        return summary, pd.DataFrame(columns=cols)
    pairs = (n - 1) * (n - 2) / (1.0 if BETWEENNESS_ORDERED_PAIRS else 2.0)
    if close is None:  # weighted closeness: networkx on the Python graph (GDS's is unweighted)
        H = G.copy()
        for _, _, d in H.edges(data=True):
            d["_distance"] = 1.0 / float(d.get(weight, 1.0))
        close = an._closeness(H, "_distance")
    nan = float("nan")
    df = pd.DataFrame({
        "node": nodes,
        "degree": [int(deg.get(u, 0)) for u in nodes],
        "strength": [float(strength.get(u, nan)) for u in nodes],
        "degree_centrality": [(deg.get(u, nan) / (n - 1)) if n > 1 else 1.0 for u in nodes],
        "betweenness": [(btw.get(u, nan) / pairs) if pairs > 0 else 0.0 for u in nodes],
        "closeness": [float(close.get(u, nan)) for u in nodes],
        "effective_size": pd.Series(an._effective_size(G, weight))[nodes].to_numpy(),
        "constraint": pd.Series(nx.constraint(G, weight=weight))[nodes].to_numpy(),
        "community": [member.get(u, -1) for u in nodes],
    })
    if G.number_of_edges() and not np.all(np.isfinite(df["strength"])):
        raise ValueError("GDS returned no strength for some nodes")
    return summary, an.node_table_order(G, df)


def pagerank(store: Any, nodes: str, years: tuple[int, int] | None = None,
             damping: float = 0.85, weighted: bool = True) -> dict[Any, float]:
    """PageRank of every actor of the ``nodes`` network (GDS ``pageRank``, weighted by
    shared documents unless ``weighted`` is False): actor id → score. GDS's scores are not
    normalised to sum 1 (networkx's are): compare shares, ``score / sum``."""
    params = _year_params(years)
    name = f"innograph-{nodes}-{uuid.uuid4().hex[:12]}"
    config: dict[str, Any] = {"dampingFactor": float(damping)}
    if weighted:
        config["relationshipWeightProperty"] = "weight"
    s = _Session(store)
    try:
        _project(s, nodes, name, params)
        try:
            return _scores(s.run(stream("pageRank"), graph=name, config=config))
        finally:
            s.run(DROP, graph=name)
    finally:
        s.close()
