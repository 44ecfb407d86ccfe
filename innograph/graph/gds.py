"""Collaboration-network measures computed by Neo4j Graph Data Science (GDS 2.x) in the
database, through Neo4j's official Python client ``graphdatascience`` (2.2+).

On Neo4j, ``pipeline.analyze.analyze_network`` sends the applicant / institution networks'
algorithms here instead of to networkx (which stays for the embedded store and for the
region / country networks, whose nodes are properties, not graph nodes):

1. ``connect(store)``: a ``GraphDataScience`` client on the store's own neo4j ``Driver`` and
   database (no Arrow: Bolt only; no progress bars); the client reads ``gds.version()``
   first, and a server without GDS, or one older than the client supports (2.13), is a
   one-line StoreUnreachableError;
2. ``gds.graph.project.cypher``: the weighted co-application (patents → applicants) or
   co-affiliation (papers → institutions, directly and through the authors) network
   projected into GDS's catalog by the Cypher aggregation ``projection(nodes)`` (undirected,
   edge property ``weight`` = shared documents, ``distance`` = 1 / weight; every actor of a
   document in the period is a node, so actors with solo documents only are isolated nodes,
   as in networkx);
3. streamed through the client: ``gds.degree`` (partners and, weighted, strength),
   ``gds.betweenness`` (sampled with ``sampling_size`` / ``sampling_seed`` when asked),
   ``gds.closeness`` (Wasserman–Faust), ``gds.louvain`` or ``gds.leiden`` (communities),
   ``gds.wcc`` (components), ``gds.pageRank`` (``pagerank``); GDS node ids are mapped to the
   actors' keys once, with ``gds.util.asNodes``;
4. the projection dropped (also when an algorithm fails).

The projection statement is the one hand-written statement (parameters only; the graph name
is a parameter); ``tests/test_gds.py`` lints it with Neo4j's Cypher front end. The algorithm
calls are the client's.

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
- closeness: ``use_wasserman_faust=True`` is networkx's ``wf_improved`` form (GDS's
  ``WassermanFaustCentralityComputer``: (r / farness) · (r / (n − 1))); GDS closeness is
  unweighted, so ``distance="inverse_weight"`` closeness is computed by networkx on the
  Python graph (betweenness uses the projected ``distance``);
- communities: renumbered like networkx's (by size, then smallest member); the modularity
  is networkx's (weighted, resolution 1, as ``analysis.networks.network_metrics`` reports it) of
  GDS's partition; run single-threaded (``concurrency=1``) so that a rerun gives the same
  partition, as the seeded networkx run does (Leiden also takes ``random_seed``);
- Burt's effective size and constraint have no GDS procedure: networkx on the Python graph.

``INNOGRAPH_GDS=0`` makes the analyses use networkx on Neo4j too (e.g. Aura Free, which has
no GDS).
"""

from __future__ import annotations

import os
import uuid
import warnings
from typing import Any, Literal

import networkx as nx
import numpy as np
import pandas as pd

from ..errors import StoreUnreachableError
from . import schema as S

GDS_ENV = "INNOGRAPH_GDS"
MIN_GDS = (2, 13)  # the oldest GDS the graphdatascience 2.x client supports
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


def enabled() -> bool:
    """False when ``$INNOGRAPH_GDS`` is 0 / false / off / no."""
    return os.environ.get(GDS_ENV, "1").strip().lower() not in ("0", "false", "off", "no")



# ------------------------------------------------------------------- statement
def projection(nodes: str) -> str:
    """The Cypher aggregation projection (``gds.graph.project``) of the ``nodes``
    ("applicant" | "institution") network, for ``gds.graph.project.cypher``.

    Parameters ``$graph`` (catalog name), ``$every_year``, ``$y0``, ``$y1``. Returns one row,
    one column: the projection's result map (``graphName``, ``nodeCount``,
    ``relationshipCount``, …), the form the client requires. Pairs ``a.id < b.id`` give one
    undirected relationship each; the pair (a, a) puts every actor in as a node (no
    relationship: target null).
    """
    try:
        actors = _ACTORS[nodes]
    except KeyError:
        raise ValueError(f"GDS networks are over {sorted(_ACTORS)}, not {nodes!r}") from None
    return (
        f"{actors} UNWIND actors AS a UNWIND actors AS b "
        f"WITH a, b, d WHERE a.{_KEY} <= b.{_KEY} "
        "WITH a, b, count(d) AS w "
        "RETURN gds.graph.project($graph, a, CASE WHEN a = b THEN null ELSE b END, "
        "CASE WHEN a = b THEN {} ELSE "
        "{relationshipProperties: {weight: toFloat(w), distance: 1.0 / w}} END, "
        "{undirectedRelationshipTypes: ['*']}) AS graph"
    )


# ----------------------------------------------------------------- pure checks
def check_gds_version(text: str) -> tuple[int, ...]:
    """GDS version text → version tuple; StoreUnreachableError when older than ``MIN_GDS``."""
    from .neo4j_store import parse_version

    v = parse_version(text)
    if v[:2] < MIN_GDS:
        raise StoreUnreachableError(
            f"Graph Data Science {text} is too old: innograph needs GDS "
            f"{'.'.join(map(str, MIN_GDS))} or later (docker compose starts a current one)")
    return v


def plugin_missing(plugin: str, err: BaseException, url: str = "") -> str | None:
    """The one-line message when ``err`` (from calling ``<plugin>.version()``, or the
    client's ``GdsNotFound``) says the plugin is not installed; None when the error is
    something else."""
    text = f"{type(err).__name__} {getattr(err, 'code', '')} {err}"
    if ("Unknown function" in text or "ProcedureNotFound" in text or "GdsNotFound" in text
            or "no procedure with the name" in text.lower()
            or "function is not registered" in text.lower()):
        name = {"gds": "Graph Data Science (gds) plugin (or one older than "
                       f"{'.'.join(map(str, MIN_GDS))})",
                "apoc": "APOC plugin"}.get(plugin, plugin)
        return (f"Neo4j{' at ' + url if url else ''} has no {name}: add it to "
                f"NEO4J_PLUGINS (docker-compose.yml does) and restart"
                + (", or set INNOGRAPH_GDS=0 to compute the analyses in networkx"
                   if plugin == "gds" else ""))
    return None


# --------------------------------------------------------------------- running
def connect(store: Any) -> Any:
    """A ``graphdatascience.GraphDataScience`` client on ``store``'s neo4j Driver and
    database (Bolt only, no progress bars), after checking the server's GDS version.

    Errors (StoreUnreachableError, one line): the client is not installed; the server has no
    GDS; its GDS is older than ``MIN_GDS``; the server cannot be reached."""
    try:
        from graphdatascience import GraphDataScience
        from graphdatascience.error.gds_not_installed import GdsNotFound
        from graphdatascience.error.unable_to_connect import UnableToConnectError
    except ImportError as e:
        raise StoreUnreachableError(
            "the Graph Data Science client is not installed: `pip install graphdatascience` "
            "(an innograph dependency), or set INNOGRAPH_GDS=0 to compute the analyses in "
            "networkx") from e
    try:
        with warnings.catch_warnings():  # the client warns about old servers: we raise below
            warnings.simplefilter("ignore", DeprecationWarning)
            client = GraphDataScience(store.driver, database=store.database or None,
                                      arrow=False, show_progress=False)
    except GdsNotFound as e:
        raise StoreUnreachableError(plugin_missing("gds", e) or str(e)) from e
    except UnableToConnectError as e:  # the client wraps whatever gds.version() raised
        cause = e.args[0] if e.args and isinstance(e.args[0], BaseException) else e
        msg = plugin_missing("gds", cause)
        if msg is None:
            from .neo4j_store import explain_connect_error

            msg = explain_connect_error("the store's server", cause)
        raise StoreUnreachableError(msg) from e
    check_gds_version(str(client.server_version()))
    return client


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


def require_gds(store: Any, client: Any = None) -> tuple[int, ...]:
    """The GDS version on the store's server (errors as ``connect``)."""
    client = client or connect(store)
    return check_gds_version(str(client.server_version()))


def _project(client: Any, nodes: str, years: tuple[Any, Any] | None) -> Any:
    """``gds.graph.project.cypher`` of the ``nodes`` network in ``years`` under a fresh
    catalog name; ``with _project(…) as G`` drops the projection on exit."""
    return client.graph.project.cypher(
        projection(nodes), graph=f"innograph-{nodes}-{uuid.uuid4().hex[:12]}",
        **_year_params(years))


def _by_key(client: Any, frames: list[pd.DataFrame]) -> dict[int, Any]:
    """GDS node id → actor key, for every node id in ``frames`` (one ``gds.util.asNodes``)."""
    ids = sorted({int(i) for f in frames for i in f["nodeId"]})
    if not ids:
        return {}
    return {i: n[_KEY] for i, n in zip(ids, client.util.as_nodes(ids))}


def _scores(frame: pd.DataFrame, keys: dict[int, Any], col: str = "score") -> dict[Any, Any]:
    return {keys[int(i)]: v for i, v in zip(frame["nodeId"], frame[col])}


def network_metrics(store: Any, G: nx.Graph, nodes: str,
                    years: tuple[int, int] | tuple[None, None] | None = None,
                    weight: str = "weight",
                    distance: Literal["hops", "inverse_weight"] = "hops",
                    seed: int | None = 0, resolution: float = 1.0,
                    betweenness_k: int | None = None,
                    community: Literal["louvain", "leiden"] | None = None,
                    client: Any = None,
                    ) -> tuple[dict[str, float], pd.DataFrame]:
    """``analysis.networks.network_metrics`` with the graph algorithms run by GDS in the database.

    Parameters
    ----------
    store : Neo4jStore
        Its driver carries the GDS client (``connect``).
    G : networkx.Graph
        The same network built in Python (``analysis.networks.collaboration_network``): gives node
        names and document counts, Burt's measures, the modularity of GDS's partition, and
        the node order of the result.
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
    client : graphdatascience.GraphDataScience, optional
        Default: ``connect(store)``.

    Returns
    -------
    (dict, DataFrame)
        The same figures and columns as ``analysis.networks.network_metrics`` (plus nothing), rows
        sorted by strength (desc) then node.
    """
    if distance not in ("hops", "inverse_weight"):
        raise ValueError(f"distance must be 'hops' or 'inverse_weight', not {distance!r}")
    if community not in (None, "louvain", "leiden"):
        raise ValueError(f"community algorithm must be louvain or leiden, not {community!r}")
    if G.number_of_nodes() == 0:  # nothing to project (GDS would make no graph)
        return assemble(G, {}, {}, {}, {}, {}, {}, float("nan"))
    _year_params(years)  # a half-open range is refused before anything is sent
    algo = community or ("louvain" if resolution == 1.0 else "leiden")
    gds = client or connect(store)
    quiet: dict[str, Any] = {"log_progress": False}
    with _project(gds, nodes, years) as P:
        deg = gds.degree.stream(P, **quiet)
        strength = gds.degree.stream(P, relationship_weight_property=weight, **quiet)
        bconf: dict[str, Any] = dict(quiet)
        if distance == "inverse_weight":
            bconf["relationship_weight_property"] = "distance"
        n = len(deg)
        if betweenness_k and betweenness_k < n:
            bconf.update(sampling_size=int(betweenness_k),
                         sampling_seed=int(seed) if seed is not None else 0)
        btw = gds.betweenness.stream(P, **bconf)
        close = (gds.closeness.stream(P, use_wasserman_faust=True, **quiet)
                 if distance == "hops" else None)
        # one thread: a rerun gives the same partition
        cconf: dict[str, Any] = dict(quiet, relationship_weight_property=weight, concurrency=1)
        if algo == "leiden":
            comm = gds.leiden.stream(P, gamma=float(resolution), random_seed=int(seed or 0),
                                     **cconf)
        else:
            comm = gds.louvain.stream(P, **cconf)
        comp = gds.wcc.stream(P, **quiet)
    frames = [deg, strength, btw, comm, comp] + ([close] if close is not None else [])
    keys = _by_key(gds, frames)
    if "sampling_size" in bconf:  # GDS leaves sampled sums unscaled; networkx scales
        btw = btw.assign(score=btw["score"] * n / bconf["sampling_size"])
    member_raw = _scores(comm, keys, "communityId")
    return assemble(G, _scores(deg, keys), _scores(strength, keys), _scores(btw, keys),
                    _scores(close, keys) if close is not None else None, member_raw,
                    _scores(comp, keys, "componentId"), _modularity(G, member_raw, weight),
                    weight=weight, distance=distance)


def _modularity(G: nx.Graph, member: dict[Any, Any], weight: str) -> float:
    """networkx's weighted modularity (resolution 1, as ``analysis.networks.network_metrics``) of
    the partition ``member`` (node → community id; nodes GDS did not return: singletons)."""
    if not G.number_of_edges():
        return float("nan")
    groups: dict[Any, set[Any]] = {}
    for u in G:
        groups.setdefault(member.get(u, ("missing", u)), set()).add(u)
    return float(nx.community.modularity(G, list(groups.values()), weight=weight))


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
             damping: float = 0.85, weighted: bool = True, client: Any = None
             ) -> dict[Any, float]:
    """PageRank of every actor of the ``nodes`` network (GDS ``pageRank``, weighted by
    shared documents unless ``weighted`` is False): actor id → score. GDS's scores are not
    normalised to sum 1 (networkx's are): compare shares, ``score / sum``. ``client``:
    default ``connect(store)``."""
    _year_params(years)
    gds = client or connect(store)
    with _project(gds, nodes, years) as P:
        pr = gds.page_rank.stream(P, damping_factor=float(damping), log_progress=False,
                                  relationship_weight_property="weight" if weighted else None)
    return {u: float(v) for u, v in _scores(pr, _by_key(gds, [pr])).items()}
