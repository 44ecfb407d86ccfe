"""The analyses researchers run on the graph: pure functions on numbers, frames and graphs.

Everything here takes plain numbers, ``pandas.DataFrame`` rows or a ``networkx.Graph`` and
returns plain numbers, frames or graphs: no store, no files, no plotting (the pipeline,
``innograph.pipeline.analyze``, pulls the frames from a store and draws the figures). The
formulas follow docs/method.md §7 and the two studies users reproduce by hand today:

- Wu, J. "Research on innovation output and characteristics of industry-university-research
  cooperation in artificial intelligence technology in Chinese provinces" (the *cooperation
  paper*, ``reference/iur-cooperation-provinces-paper.txt``): cooperation degree, range,
  sample standard deviation, coefficient of variation, locational Gini, collaboration
  networks and structural holes.
- IFF, *Global AI Competitiveness Index Report, Part 2* (the *IFF report*,
  ``reference/iff-ai-competitiveness-report.txt``): counts per million population, mean
  citations, mean journal impact, the composite impact Z, co-authorship flows, topic shares,
  co-occurrence clusters.

Frame conventions (column names are parameters where it matters; these are the defaults):
``document`` (a paper or patent id), ``actor`` (applicant / institution / region / country),
``unit`` (the group a document is counted for: region or country), ``year`` (int),
``term`` (keyword or IPC code), ``country``, ``position`` (author order, 1 = first),
``cited``, ``impact``, ``topic``. One row per (document, actor) pair; repeated pairs are
counted once.

Graph algorithms are networkx's, wrapped: centralities, ``effective_size`` and
``constraint`` (Burt 1992; Borgatti 1997) and ``louvain_communities`` (Blondel et al. 2008).
On Neo4j the same measures exist as Graph Data Science procedures (``gds.betweenness``,
``gds.closeness``, ``gds.degree``, ``gds.louvain``); GDS has no effective size or
constraint, so those always come from here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal

import networkx as nx
import numpy as np
import pandas as pd

__all__ = [
    "cooperation_degree",
    "value_range",
    "sample_std",
    "coefficient_of_variation",
    "locational_gini",
    "regional_differences",
    "cooperation_table",
    "rank_cooperation",
    "year_windows",
    "collaboration_network",
    "network_metrics",
    "minmax",
    "country_indicators",
    "coauthorship_flows",
    "topic_shares",
    "cooccurrence_network",
    "cooccurrence_clusters",
    "top_terms",
]


# =========================================================================== numbers
def _as_values(values: Iterable[float]) -> np.ndarray:
    """A 1-d float array of ``values``; ValueError on NaN (a missing count is not zero)."""
    x = np.asarray(list(values) if not isinstance(values, (np.ndarray, pd.Series)) else values,
                   dtype=float).ravel()
    if np.isnan(x).any():
        raise ValueError("values contain NaN: fill missing counts explicitly (e.g. with 0)")
    return x


def cooperation_degree(co: Any, total: Any) -> Any:
    r"""Cooperation degree: the share of documents that are co-applied / co-authored.

    .. math:: D = \frac{n_{co}}{n}

    with :math:`n_{co}` the documents with at least two distinct applicants (or
    institutions) and :math:`n` all documents of the region (cooperation paper §3.2,
    Table 1: "the ratio of the number of cooperative invention patents to the number of
    invention patents").

    Parameters
    ----------
    co : int or array_like
        Co-applied (co-authored) documents, ``0 <= co <= total``.
    total : int or array_like
        All documents, same shape as ``co``.

    Returns
    -------
    float or ndarray
        The degree in [0, 1] (multiply by 100 for the paper's percentages). ``nan`` where
        ``total == 0`` (no documents: the degree is undefined, not zero).

    Raises
    ------
    ValueError
        If a count is negative or ``co > total``.

    Examples
    --------
    >>> round(cooperation_degree(46, 55) * 100, 2)   # Heilongjiang ("Amur"), Table 1
    83.64
    """
    c = np.asarray(co, dtype=float)
    t = np.asarray(total, dtype=float)
    if (c < 0).any() or (t < 0).any():
        raise ValueError("counts must be non-negative")
    if (c > t).any():
        raise ValueError("co-applied documents exceed all documents")
    with np.errstate(invalid="ignore", divide="ignore"):
        d = np.where(t > 0, c / np.where(t > 0, t, 1.0), np.nan)
    return float(d) if d.ndim == 0 else d


def value_range(values: Iterable[float]) -> float:
    r"""Range, an absolute difference: :math:`R = \max_i x_i - \min_i x_i`.

    Cooperation paper §4.1 (range of cooperative patents across provinces per year).
    ``nan`` for empty input; 0 for one value.
    """
    x = _as_values(values)
    return float(x.max() - x.min()) if x.size else float("nan")


def sample_std(values: Iterable[float]) -> float:
    r"""Sample standard deviation, an absolute difference (cooperation paper eq. 1):

    .. math:: s = \sqrt{\frac{1}{N-1}\sum_{i=1}^{N}(x_i - \bar x)^2}

    ``nan`` when ``N < 2`` (undefined with N − 1 = 0 degrees of freedom).
    """
    x = _as_values(values)
    return float(np.std(x, ddof=1)) if x.size >= 2 else float("nan")


def coefficient_of_variation(values: Iterable[float]) -> float:
    r"""Coefficient of variation, a relative difference (cooperation paper eq. 2):

    .. math:: CV = \frac{s}{\bar x}
              = \frac{1}{\bar x}\sqrt{\frac{1}{N-1}\sum_{i=1}^{N}(x_i - \bar x)^2}

    The **sample** standard deviation (N − 1) over the mean, as the paper writes it.

    Returns
    -------
    float
        ``nan`` when ``N < 2`` or the mean is 0 (no documents anywhere).
    """
    x = _as_values(values)
    if x.size < 2:
        return float("nan")
    m = x.mean()
    return float(np.std(x, ddof=1) / m) if m != 0 else float("nan")


def locational_gini(values: Iterable[float]) -> float:
    r"""Locational Gini coefficient of counts over N groups (regions), docs/method.md §7:

    .. math:: G = 1 - \frac{1}{N}\Big(2\sum_{i=1}^{N-1} W_i + 1\Big),
              \qquad W_i = \frac{\sum_{j=1}^{i} x_{(j)}}{\sum_{j=1}^{N} x_{(j)}}

    (cooperation paper eq. 3). :math:`W_i` is the cumulative share of groups 1..i, the
    groups **sorted in ascending order** of their count, :math:`x_{(1)} \le \dots \le
    x_{(N)}`, as in the grouped (Lorenz-curve) Gini formula the paper takes over: the
    bracket is the trapezoid area under the Lorenz curve, so G equals the mean absolute
    difference :math:`\sum_i\sum_j |x_i - x_j| / (2N^2\bar x)`. The paper does not spell
    the ordering out; ascending is the only one that keeps G in :math:`[0, 1 - 1/N]`
    (descending order would make it negative for any unequal distribution).

    Parameters
    ----------
    values : array_like of float, shape (N,)
        Non-negative counts per group (e.g. cooperative patents per province in one
        year). Groups with no documents must be given as 0: they are groups too.

    Returns
    -------
    float
        0 for equal counts (and for N = 1); at most 1 − 1/N, reached when one group holds
        everything. ``nan`` for empty input or when every count is 0.

    Raises
    ------
    ValueError
        On negative values or NaN.

    Notes
    -----
    The paper reports 0.970 for 2021 over 31 provinces, above the formula's maximum
    30/31 ≈ 0.968: that value cannot come from eq. 3 with N = 31.

    References
    ----------
    Wu, J., cooperation paper, §4.2.1, eq. (3).
    """
    x = _as_values(values)
    if (x < 0).any():
        raise ValueError("locational Gini needs non-negative values")
    n = x.size
    if n == 0 or x.sum() == 0:
        return float("nan")
    w = np.cumsum(np.sort(x)) / x.sum()
    return float(1.0 - (2.0 * w[:-1].sum() + 1.0) / n)


def regional_differences(table: pd.DataFrame, value: str = "co_documents",
                         unit: str = "unit", year: str = "year",
                         units: Iterable[Any] | None = None,
                         years: Iterable[int] | None = None) -> pd.DataFrame:
    r"""Absolute and relative differences across units (regions), per year.

    For each year, over the N units: total, mean, range :math:`\max - \min`, sample
    standard deviation (eq. 1), coefficient of variation (eq. 2) and locational Gini
    (eq. 3) of ``value`` (cooperation paper §4, Figures 3 and 4).

    Parameters
    ----------
    table : DataFrame
        Long format, one row per (unit, year), with columns ``unit``, ``year``, ``value``
        (e.g. the output of :func:`cooperation_table`).
    value : str
        The measured column (the paper uses the number of cooperative patents,
        ``co_documents``).
    units : iterable, optional
        The full set of units. A unit without a row in a year counts as 0 in that year
        (the paper measures all 31 provinces every year). Default: every unit that
        appears in ``table`` in any year.
    years : iterable of int, optional
        The full set of years; a year without any row gets all units 0 (``total`` 0,
        ``cv`` and ``gini`` nan). Default: the years in ``table``.

    Returns
    -------
    DataFrame
        One row per year (ascending): ``year, n_units, total, mean, range, std, cv,
        gini``. Years with no documents anywhere give ``cv`` and ``gini`` nan.
    """
    cols = ["year", "n_units", "total", "mean", "range", "std", "cv", "gini"]
    all_units = list(units) if units is not None else sorted(table[unit].dropna().unique(),
                                                             key=str)
    all_years = sorted(years) if years is not None else sorted(table[year].dropna().unique())
    if not all_years:
        return pd.DataFrame(columns=cols)
    t = table.dropna(subset=[unit, year])
    wide = (t.pivot_table(index=unit, columns=year, values=value, aggfunc="sum")
            if len(t) else pd.DataFrame(index=pd.Index([], name=unit)))
    wide = wide.reindex(index=all_units, columns=all_years).fillna(0.0)
    rows = []
    for y in all_years:
        x = wide[y].to_numpy(dtype=float)
        rows.append({
            "year": y, "n_units": len(x), "total": float(x.sum()),
            "mean": float(x.mean()) if len(x) else float("nan"),
            "range": value_range(x), "std": sample_std(x),
            "cv": coefficient_of_variation(x), "gini": locational_gini(x),
        })
    return pd.DataFrame(rows, columns=cols)


def cooperation_table(frame: pd.DataFrame, unit: str = "unit", document: str = "document",
                      actor: str = "actor", year: str | None = "year",
                      min_actors: int = 2) -> pd.DataFrame:
    """Documents, co-applied documents and cooperation degree per unit (and year).

    A document is *co-applied* (co-authored) when it has at least ``min_actors`` distinct
    actors (applicants, or institutions for papers) anywhere, whatever their units. A
    document is counted for every unit one of its actors is in (whole counting), so a
    patent of a Beijing and a Tianjin applicant counts once for each; actors without a
    unit count towards the document's actors but for no unit.

    Parameters
    ----------
    frame : DataFrame
        One row per (document, actor) with the actor's ``unit`` (region or country; may
        be null) and, when ``year`` is given, the document's ``year``.
    year : str or None
        The year column; ``None`` aggregates over all years (cooperation paper Table 1).

    Returns
    -------
    DataFrame
        ``unit, [year,] documents, co_documents, degree``; ``degree`` =
        :func:`cooperation_degree`. Sorted by unit (and year).
    """
    keys = [unit] + ([year] if year else [])
    cols = keys + ["documents", "co_documents", "degree"]
    if frame.empty:
        return pd.DataFrame(columns=cols)
    n_actors = frame.dropna(subset=[actor]).groupby(document)[actor].nunique()
    f = frame.dropna(subset=[unit]).drop_duplicates([document] + keys)
    f = f.assign(_co=f[document].map(n_actors).fillna(0).ge(min_actors))
    g = f.groupby(keys, sort=True)
    out = pd.DataFrame({
        "documents": g[document].nunique(),
        "co_documents": g["_co"].sum().astype(int),
    }).reset_index()
    out["degree"] = cooperation_degree(out["co_documents"].to_numpy(), out["documents"].to_numpy())
    return out[cols]


def rank_cooperation(counts: pd.DataFrame, unit: str = "unit") -> pd.DataFrame:
    """Rank units by cooperation degree, as in the cooperation paper's Table 1.

    Parameters
    ----------
    counts : DataFrame
        ``unit, documents, co_documents`` (one row per unit).

    Returns
    -------
    DataFrame
        ``rank, unit, documents, co_documents, degree``, sorted by degree descending;
        equal degrees by documents descending (Table 1 puts Shanxi, 18 of 36, before
        Xizang, 2 of 4, both 50.00 %), then by unit. Units without documents (degree nan)
        come last, unranked (rank ``<NA>``).
    """
    out = counts[[unit, "documents", "co_documents"]].copy()
    out["degree"] = cooperation_degree(out["co_documents"].to_numpy(), out["documents"].to_numpy())
    out["_u"] = out[unit].astype(str)
    out = out.sort_values(["degree", "documents", "_u"], ascending=[False, False, True],
                          na_position="last").drop(columns="_u").reset_index(drop=True)
    rank = pd.array(np.arange(1, len(out) + 1), dtype="Int64")
    rank[out["degree"].isna().to_numpy()] = pd.NA
    out.insert(0, "rank", rank)
    return out


def year_windows(first: int, last: int, window: int | None) -> list[tuple[int, int]]:
    """Consecutive, non-overlapping year windows covering ``first..last`` (inclusive).

    ``window=None`` gives one window ``[(first, last)]``; ``window=1`` one per year; the
    last window may be shorter. Example: ``year_windows(2012, 2021, 3)`` →
    ``[(2012, 2014), (2015, 2017), (2018, 2020), (2021, 2021)]``.
    """
    if last < first:
        raise ValueError(f"empty year range {first}-{last}")
    if window is None:
        return [(first, last)]
    if window < 1:
        raise ValueError("window must be at least 1 year")
    return [(a, min(a + window - 1, last)) for a in range(first, last + 1, window)]


# ========================================================================= networks
def _pair_counts(frame: pd.DataFrame, document: str, item: str) -> pd.DataFrame:
    """``u, v, weight``: documents shared by each pair of distinct items (u < v as str)."""
    f = frame[[document, item]].dropna().drop_duplicates()
    m = f.merge(f, on=document, suffixes=("_u", "_v"))
    m = m[m[f"{item}_u"].astype(str) < m[f"{item}_v"].astype(str)]
    if m.empty:
        return pd.DataFrame(columns=["u", "v", "weight"])
    w = m.groupby([f"{item}_u", f"{item}_v"], sort=True).size().reset_index()
    w.columns = ["u", "v", "weight"]
    return w


def collaboration_network(frame: pd.DataFrame, document: str = "document",
                          actor: str = "actor",
                          names: Mapping[Any, str] | None = None) -> nx.Graph:
    """The weighted collaboration (co-application / co-authorship) network.

    Nodes are actors; an edge joins two actors that share a document, with

    .. math:: w_{uv} = |\\{d : u \\in d,\\ v \\in d\\}|

    the number of documents they share (clique expansion of each document's actor set).
    Built from (document, unit) rows it is the region or country network: a document
    with actors in two regions links the regions; actors of one region within a document
    add no self-loop.

    Parameters
    ----------
    frame : DataFrame
        One row per (document, actor); null actors are ignored, repeats counted once.
    names : mapping, optional
        Actor → display name, stored as node attribute ``name``.

    Returns
    -------
    networkx.Graph
        Node attribute ``documents`` (documents of the actor, co-applied or not; actors
        with only solo documents are isolated nodes), edge attribute ``weight``. Empty
        graph for an empty frame.
    """
    G = nx.Graph()
    f = frame[[document, actor]].dropna().drop_duplicates()
    for a, n in f.groupby(actor)[document].nunique().items():
        G.add_node(a, documents=int(n))
    for u, v, w in _pair_counts(f, document, actor).itertuples(index=False):
        G.add_edge(u, v, weight=int(w))
    if names:
        nx.set_node_attributes(G, {a: names[a] for a in G if a in names}, "name")
    return G


def _communities(G: nx.Graph, weight: str | None, seed: int | None,
                 resolution: float) -> list[set[Any]]:
    """Louvain communities, numbered by size (desc), then by smallest member (as str)."""
    if G.number_of_nodes() == 0:
        return []
    comms = nx.community.louvain_communities(G, weight=weight, resolution=resolution,
                                             seed=seed)
    return sorted(comms, key=lambda c: (-len(c), min(str(n) for n in c)))


def _effective_size(G: nx.Graph, weight: str | None) -> dict[Any, float]:
    r"""Burt's effective size of every node; ``nx.effective_size`` with its weighted bug fixed.

    .. math:: e(u) = \sum_{v \in N(u)} \Big(1 - \sum_{w} p_{uw} m_{vw}\Big),\quad
              p_{uw} = \frac{a_{uw}}{\sum_x a_{ux}},\quad m_{vw} = \frac{a_{vw}}{\max_x a_{vx}}

    networkx 3.6.1's sparse-matrix path (taken for ``nodes=None``) divides by the row
    maximum of the wrong node (a 1-d ``max(axis=1)`` broadcast along columns), e.g. 5.52
    instead of Borgatti's 5.47 for node G of his example; its per-node path is right but
    slow (pure Python, ~10 s for 500 nodes). So: unweighted graphs (all maxima 1, where the
    bug cannot show) go to ``nx.effective_size``; weighted ones take the same sparse
    product with the maxima on the right axis. Tests pin it to networkx's per-node path.
    Isolated nodes: nan.
    """
    if weight is None or not any(weight in d for _, _, d in G.edges(data=True)):
        return nx.effective_size(G)
    nodes = list(G)
    A = nx.to_scipy_sparse_array(G, nodelist=nodes, weight=weight, format="csr")
    A.setdiag(0)
    A.eliminate_zeros()
    M = (A + A.T).tocsr()
    row_sum = np.asarray(M.sum(axis=1)).ravel()
    row_max = M.max(axis=1).toarray().ravel()
    with np.errstate(divide="ignore"):
        inv_sum = np.where(row_sum > 0, 1.0 / row_sum, 0.0)
        inv_max = np.where(row_max > 0, 1.0 / row_max, 0.0)
    from scipy import sparse

    P = sparse.diags(inv_sum) @ M  # p_uw
    X = sparse.diags(inv_max) @ M  # m_vw, each row over its own maximum
    R = (P @ X.T).tocsr()  # R[u, v] = sum_w p_uw m_vw
    ties = (M > 0).astype(float)
    eff = np.asarray(ties.sum(axis=1)).ravel() - np.asarray(R.multiply(ties).sum(axis=1)).ravel()
    eff[row_sum == 0] = np.nan
    return dict(zip(nodes, eff.tolist()))


def _closeness(G: nx.Graph, distance: str | None, chunk: int = 512) -> dict[Any, float]:
    r"""``nx.closeness_centrality`` (Wasserman–Faust form) computed with scipy's C
    shortest paths, in blocks of ``chunk`` sources so memory stays O(chunk · n).

    .. math:: C(u) = \frac{r_u}{n - 1}\cdot\frac{r_u}{\sum_{v} d(u, v)}

    over the :math:`r_u` nodes reachable from u (0 when none). Same numbers as networkx
    (tests pin it), ~20× faster: networkx's pure-Python BFS from every node took 7 s of
    12 s for a 2,000-node applicant network.
    """
    from scipy.sparse import csgraph

    nodes = list(G)
    n = len(nodes)
    if n < 2:
        return {u: 0.0 for u in nodes}
    A = nx.to_scipy_sparse_array(G, nodelist=nodes, weight=distance, format="csr")
    out = np.zeros(n)
    for lo in range(0, n, chunk):
        idx = np.arange(lo, min(lo + chunk, n))
        D = csgraph.shortest_path(A, directed=False, unweighted=distance is None, indices=idx)
        D[~np.isfinite(D)] = 0.0
        r = (D > 0).sum(axis=1).astype(float)
        tot = D.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[idx] = np.where(tot > 0, (r / tot) * (r / (n - 1)), 0.0)
    return dict(zip(nodes, out.tolist()))


def network_metrics(G: nx.Graph, weight: str | None = "weight",
                    distance: Literal["hops", "inverse_weight"] = "hops",
                    seed: int | None = 0, resolution: float = 1.0,
                    betweenness_k: int | None = None
                    ) -> tuple[dict[str, float], pd.DataFrame]:
    r"""Whole-network and per-node measures of a collaboration network.

    Whole network: nodes, edges, density :math:`2m / (n(n-1))`, connected components,
    size of the largest, Louvain communities and their modularity.

    Per node (networkx's measures; closeness and weighted effective size are computed with
    scipy sparse matrices to networkx's numbers, see ``_closeness`` and ``_effective_size``):

    - ``degree`` (partners), ``strength`` :math:`s_u = \sum_v w_{uv}` (shared documents);
    - ``degree_centrality`` :math:`k_u / (n - 1)`;
    - ``betweenness`` :math:`\sum_{s \ne u \ne t} \sigma_{st}(u) / \sigma_{st}`, normalised
      by :math:`(n-1)(n-2)/2`;
    - ``closeness`` :math:`\frac{r_u}{n-1}\cdot\frac{r_u}{\sum_v d(u, v)}` over the
      :math:`r_u` other nodes reachable from u (Wasserman–Faust form for disconnected
      graphs; 0 for isolated nodes);
    - ``effective_size`` :math:`e(u) = \sum_{v \in N(u)} \big(1 - \sum_{w} p_{uw} m_{vw}\big)`
      and ``constraint`` :math:`c(u) = \sum_{v \in N(u)} \big(p_{uv} + \sum_{w} p_{uw}
      p_{wv}\big)^2` (Burt's structural holes), with :math:`p_{uv}` the share of u's tie
      strength going to v and :math:`m_{vw}` v's tie to w over v's strongest tie;
    - ``community``: Louvain community index (0 = largest).

    Parameters
    ----------
    G : networkx.Graph
        Undirected, e.g. from :func:`collaboration_network`.
    weight : str or None
        Edge attribute of tie strength (shared documents), used by strength, effective
        size, constraint and Louvain. ``None`` treats every tie as 1 (then effective size
        is Borgatti's :math:`n - 2t/n`).
    distance : {"hops", "inverse_weight"}
        Path length for betweenness and closeness: hop count (default), or
        :math:`1 / w_{uv}` so that frequent partners are close.
    seed : int or None
        Louvain's random seed (fixed by default, so runs repeat).
    resolution : float
        Louvain resolution (> 1 smaller communities).
    betweenness_k : int, optional
        Estimate betweenness from ``k`` sampled source nodes (``seed``) instead of all n
        (Brandes & Pich 2007); exact when None or ``k >= n``. Exact betweenness costs
        O(n·m): minutes beyond ~10^4 nodes.

    Returns
    -------
    (dict, DataFrame)
        The whole-network figures, and one row per node sorted by strength (desc), with
        column ``node`` first and ``documents`` / ``name`` when the graph carries them.

    Notes
    -----
    Degenerate cases: an empty graph gives zeros, nan density and an empty frame; density
    is nan for fewer than 2 nodes; isolated nodes have effective size and constraint nan
    (networkx's convention: no ties, no structural hole), betweenness and closeness 0;
    modularity is nan for a graph without edges. A one-node graph has degree centrality 1
    (networkx's convention).

    On Neo4j, ``gds.degree``, ``gds.betweenness``, ``gds.closeness`` and ``gds.louvain``
    compute the centralities and communities in the database; Burt's measures have no GDS
    procedure.

    References
    ----------
    Burt, R. S. (1992). *Structural Holes*. Borgatti, S. (1997). "Structural Holes:
    Unpacking Burt's Redundancy Measures", *Connections* 20(1). Blondel, V. et al. (2008).
    "Fast unfolding of communities in large networks". Cooperation paper §5.1 (network
    density, centrality, structural hole index of institutions).
    """
    n, m = G.number_of_nodes(), G.number_of_edges()
    comms = _communities(G, weight, seed, resolution)
    summary: dict[str, float] = {
        "nodes": n, "edges": m,
        "density": nx.density(G) if n >= 2 else float("nan"),
        "components": nx.number_connected_components(G) if n else 0,
        "largest_component": max((len(c) for c in nx.connected_components(G)), default=0),
        "communities": len(comms),
        "modularity": (nx.community.modularity(G, comms, weight=weight) if m else float("nan")),
        "total_weight": float(G.size(weight=weight)),
    }
    cols = ["node", "degree", "strength", "degree_centrality", "betweenness", "closeness",
            "effective_size", "constraint", "community"]
    if n == 0:
        return summary, pd.DataFrame(columns=cols)
    H = G
    dist = None
    if distance == "inverse_weight" and weight is not None:
        H = G.copy()
        for _, _, d in H.edges(data=True):
            d["_distance"] = 1.0 / float(d.get(weight, 1.0))
        dist = "_distance"
    elif distance not in ("hops", "inverse_weight"):
        raise ValueError(f"distance must be 'hops' or 'inverse_weight', not {distance!r}")
    member = {node: i for i, c in enumerate(comms) for node in c}
    nodes = list(G)
    df = pd.DataFrame({
        "node": nodes,
        "degree": [G.degree(u) for u in nodes],
        "strength": [G.degree(u, weight=weight) for u in nodes],
        "degree_centrality": pd.Series(nx.degree_centrality(G))[nodes].to_numpy(),
        "betweenness": pd.Series(nx.betweenness_centrality(
            H, weight=dist, normalized=True,
            k=betweenness_k if betweenness_k and betweenness_k < n else None, seed=seed)
        )[nodes].to_numpy(),
        "closeness": pd.Series(_closeness(H, dist))[nodes].to_numpy(),
        "effective_size": pd.Series(_effective_size(G, weight))[nodes].to_numpy(),
        "constraint": pd.Series(nx.constraint(G, weight=weight))[nodes].to_numpy(),
        "community": [member[u] for u in nodes],
    })
    return summary, node_table_order(G, df)


def node_table_order(G: nx.Graph, df: pd.DataFrame) -> pd.DataFrame:
    """The per-node table as both network paths return it: the nodes' ``name`` and
    ``documents`` attributes (when present) after ``node``, rows by strength (descending),
    ties by the node id as text."""
    nodes = list(df["node"])
    for attr in ("name", "documents"):
        vals = nx.get_node_attributes(G, attr)
        if vals:
            df.insert(1, attr, [vals.get(u) for u in nodes])
    df["_k"] = df["node"].astype(str)
    df = df.sort_values(["strength", "_k"], ascending=[False, True]).drop(columns="_k")
    return df.reset_index(drop=True)


# ======================================================================== countries
def minmax(values: Iterable[float]) -> np.ndarray:
    r"""Min–max normalisation :math:`(x - x_{min}) / (x_{max} - x_{min})` (IFF report §III).

    NaN entries stay NaN and are ignored for the min and max. All nan when fewer than
    two distinct values exist (the scale is undefined, so no value is ranked).
    """
    x = np.asarray(list(values) if not isinstance(values, (np.ndarray, pd.Series)) else values,
                   dtype=float)
    ok = ~np.isnan(x)
    if not ok.any():
        return np.full_like(x, np.nan)
    lo, hi = x[ok].min(), x[ok].max()
    if hi == lo:
        return np.full_like(x, np.nan)
    return (x - lo) / (hi - lo)


def _population_map(population: pd.DataFrame | Mapping[str, float] | None) -> dict[str, float]:
    if population is None:
        return {}
    if isinstance(population, Mapping):
        return {str(k).upper(): float(v) for k, v in population.items()}
    out: dict[str, float] = {}
    for r in population.itertuples(index=False):
        pop = float(getattr(r, "population"))
        out[str(getattr(r, "code")).upper()] = pop
        if hasattr(r, "name") and isinstance(getattr(r, "name"), str):
            out.setdefault(getattr(r, "name").upper(), pop)
    return out


def country_indicators(frame: pd.DataFrame,
                       population: pd.DataFrame | Mapping[str, float] | None = None,
                       top: int | None = None,
                       counting: Literal["full", "fractional"] = "full",
                       document: str = "document", country: str = "country",
                       cited: str = "cited", impact: str = "impact") -> pd.DataFrame:
    r"""Per-country output and impact indicators (IFF report Tables 1, 3, 4, 5).

    - ``documents``: documents with at least one author / institution in the country
      (``full`` counting), or :math:`\sum_d 1/k_d` with :math:`k_d` the document's
      countries (``fractional``);
    - ``per_million``: :math:`10^6 \cdot` documents / population (nan where the
      population is unknown);
    - ``mean_cited``: mean citations of the country's documents with a citation count;
    - ``mean_impact``: mean venue impact (journal impact factor) of those with one;
    - ``z``: the composite impact
      :math:`Z = 0.5\,\mathrm{minmax}(\bar c) + 0.5\,\mathrm{minmax}(\bar f)` with
      :math:`\bar c` = ``mean_cited`` and :math:`\bar f` = ``mean_impact``,
      min and max over the countries kept (``top``).

    Parameters
    ----------
    frame : DataFrame
        One row per (document, country), with the document's ``cited`` and ``impact``
        (nullable). Repeated pairs are counted once.
    population : DataFrame or mapping, optional
        ``code, population`` rows (optionally ``name``; see ``innograph/data/population.csv``)
        or a mapping code → people. Matched on the country key upper-cased, by code
        and then by name.
    top : int, optional
        Keep the ``top`` countries by documents before normalising (the IFF report
        normalises over its top 30).
    counting : {"full", "fractional"}
        How a multi-country document is counted.

    Returns
    -------
    DataFrame
        ``rank, country, documents, population, per_million, mean_cited, mean_impact,
        cited_norm, impact_norm, z, z_rank``, sorted by documents (desc), then country.
        ``z`` is nan where either component is nan (no citation or impact data, or fewer
        than two distinct values).
    """
    cols = ["rank", "country", "documents", "population", "per_million", "mean_cited",
            "mean_impact", "cited_norm", "impact_norm", "z", "z_rank"]
    f = frame.dropna(subset=[country]).drop_duplicates([document, country])
    if f.empty:
        return pd.DataFrame(columns=cols)
    if counting == "fractional":
        k = f.groupby(document)[country].transform("nunique")
        f = f.assign(_w=1.0 / k)
    elif counting == "full":
        f = f.assign(_w=1.0)
    else:
        raise ValueError("counting must be 'full' or 'fractional'")
    g = f.groupby(country)
    out = pd.DataFrame({
        "documents": g["_w"].sum(),
        "mean_cited": (g[cited].mean() if cited in f else np.nan),
        "mean_impact": (g[impact].mean() if impact in f else np.nan),
    }).reset_index().rename(columns={country: "country"})
    if counting == "full":
        out["documents"] = out["documents"].round().astype(int)
    out["_k"] = out["country"].astype(str)
    out = out.sort_values(["documents", "_k"], ascending=[False, True]).drop(columns="_k")
    if top is not None:
        out = out.head(top)
    pops = _population_map(population)
    out["population"] = [pops.get(str(c).upper(), np.nan) for c in out["country"]]
    out["per_million"] = out["documents"] / out["population"] * 1e6
    out["cited_norm"] = minmax(out["mean_cited"].astype(float))
    out["impact_norm"] = minmax(out["mean_impact"].astype(float))
    out["z"] = 0.5 * out["cited_norm"] + 0.5 * out["impact_norm"]
    out["z_rank"] = out["z"].rank(ascending=False, method="min").astype("Int64")
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out[cols].reset_index(drop=True)


def coauthorship_flows(frame: pd.DataFrame, include_domestic: bool = False,
                       document: str = "document", country: str = "country",
                       position: str = "position") -> pd.DataFrame:
    """Co-authorship flows: first-author country → co-author countries (IFF report §IV).

    The first author of a document is its author with the smallest ``position``; the
    source countries are that author's countries, the targets every other country on the
    document (other authors', and affiliations given without an author position).
    ``flow(a → b)`` is the number of documents first-authored in ``a`` with a co-author
    in ``b``.

    Parameters
    ----------
    frame : DataFrame
        One row per (document, country, position); ``position`` may be null for
        affiliations not tied to an author. Documents without any position have no first
        author and are skipped.
    include_domestic : bool
        Keep ``a → a`` flows (co-authors from the first author's own country).

    Returns
    -------
    DataFrame
        ``source, target, documents, source_documents, share`` with ``source_documents``
        the documents first-authored in the source country and ``share`` = documents /
        source_documents. Sorted by source documents, then flow (desc).
    """
    cols = ["source", "target", "documents", "source_documents", "share"]
    f = frame[[document, country, position]].dropna(subset=[country]).drop_duplicates()
    first = f.dropna(subset=[position]).groupby(document)[position].min()
    if first.empty:
        return pd.DataFrame(columns=cols)
    f = f[f[document].isin(first.index)]
    is_first = f[position].eq(f[document].map(first))
    src = f[is_first][[document, country]].drop_duplicates().rename(columns={country: "source"})
    tgt = f[~is_first][[document, country]].drop_duplicates().rename(columns={country: "target"})
    pairs = src.merge(tgt, on=document)
    if not include_domestic:
        pairs = pairs[pairs["source"] != pairs["target"]]
    n_src = src.groupby("source")[document].nunique()
    if pairs.empty:
        return pd.DataFrame(columns=cols)
    out = pairs.groupby(["source", "target"])[document].nunique().rename("documents").reset_index()
    out["source_documents"] = out["source"].map(n_src).astype(int)
    out["share"] = out["documents"] / out["source_documents"]
    out["_s"], out["_t"] = out["source"].astype(str), out["target"].astype(str)
    out = out.sort_values(["source_documents", "_s", "documents", "_t"],
                          ascending=[False, True, False, True])
    return out[cols].reset_index(drop=True)


def topic_shares(frame: pd.DataFrame, top: int | None = 10, document: str = "document",
                 country: str = "country", topic: str = "topic") -> pd.DataFrame:
    r"""Share of each country's documents that carry a topic (IFF report Table 6).

    .. math:: s_{c,t} = \frac{|\{d \in D_c : t \in d\}|}{|D_c|}

    A document can carry several topics, so a country's shares need not sum to 1.

    Parameters
    ----------
    frame : DataFrame
        One row per (document, country, topic); a row with a null topic still counts the
        document in its country's denominator.
    top : int or None
        Keep the ``top`` topics with most documents overall (ties by name); None keeps all.

    Returns
    -------
    DataFrame
        ``country, topic, documents, country_documents, share`` (long format; pivot on
        topic × country for the report's table). Countries by documents (desc), topics
        by overall frequency.
    """
    cols = ["country", "topic", "documents", "country_documents", "share"]
    f = frame[[document, country, topic]].dropna(subset=[country]).drop_duplicates()
    if f.empty:
        return pd.DataFrame(columns=cols)
    n_c = f.groupby(country)[document].nunique()
    t = f.dropna(subset=[topic])
    freq = t.groupby(topic)[document].nunique()
    order = sorted(freq.index, key=lambda k: (-freq[k], str(k)))
    if top is not None:
        order = order[:top]
    t = t[t[topic].isin(order)]
    out = t.groupby([country, topic])[document].nunique().rename("documents").reset_index()
    out.columns = ["country", "topic", "documents"]
    out["country_documents"] = out["country"].map(n_c).astype(int)
    out["share"] = out["documents"] / out["country_documents"]
    rank_t = {k: i for i, k in enumerate(order)}
    out["_c"], out["_t"] = out["country"].astype(str), out["topic"].map(rank_t)
    out = out.sort_values(["country_documents", "_c", "_t"], ascending=[False, True, True])
    return out[cols].reset_index(drop=True)


# ===================================================================== co-occurrence
def _doc_term_frame(doc_terms: pd.DataFrame | Mapping[Any, Iterable[str]],
                    document: str, term: str) -> pd.DataFrame:
    if isinstance(doc_terms, pd.DataFrame):
        return doc_terms[[document, term]].rename(columns={document: "document",
                                                           term: "term"})
    rows = [(d, t) for d, ts in doc_terms.items() for t in ts]
    return pd.DataFrame(rows, columns=["document", "term"])


def cooccurrence_network(doc_terms: pd.DataFrame | Mapping[Any, Iterable[str]],
                         min_count: int = 1, max_terms: int | None = None,
                         document: str = "document", term: str = "term") -> nx.Graph:
    r"""Term co-occurrence network (keywords or IPC codes; IFF report §II.3).

    Nodes are terms with ``count`` :math:`n_t` = documents carrying the term; an edge
    joins two terms found together in at least one document, with weight
    :math:`w_{st}` = documents carrying both.

    Parameters
    ----------
    doc_terms : DataFrame or mapping
        ``document, term`` rows, or a mapping document → terms.
    min_count : int
        Drop terms found in fewer documents (before pairing).
    max_terms : int, optional
        Keep only the ``max_terms`` most frequent terms (ties by name), as co-occurrence
        maps of "the top 100" do.

    Returns
    -------
    networkx.Graph
        Node attribute ``count``, edge attribute ``weight``; empty for no terms.
    """
    f = _doc_term_frame(doc_terms, document, term).dropna().drop_duplicates()
    counts = f.groupby("term")["document"].nunique()
    keep = [t for t in sorted(counts.index, key=lambda k: (-counts[k], str(k)))
            if counts[t] >= min_count]
    if max_terms is not None:
        keep = keep[:max_terms]
    f = f[f["term"].isin(keep)]
    G = nx.Graph()
    for t in keep:
        G.add_node(t, count=int(counts[t]))
    for u, v, w in _pair_counts(f, "document", "term").itertuples(index=False):
        G.add_edge(u, v, weight=int(w))
    return G


def cooccurrence_clusters(G: nx.Graph, seed: int | None = 0, resolution: float = 1.0,
                          weight: str | None = "weight") -> pd.DataFrame:
    """Clusters of a co-occurrence network: Louvain communities over co-occurrence weights.

    Returns
    -------
    DataFrame
        ``term, cluster, count, strength``: cluster 0 is the largest (by terms); within
        the frame, terms by cluster, then count (desc), then name. Isolated terms form
        one-term clusters. Empty graph → empty frame.
    """
    cols = ["term", "cluster", "count", "strength"]
    comms = _communities(G, weight, seed, resolution)
    if not comms:
        return pd.DataFrame(columns=cols)
    cnt = nx.get_node_attributes(G, "count")
    rows = [(t, i, cnt.get(t, 0), G.degree(t, weight=weight))
            for i, c in enumerate(comms) for t in c]
    out = pd.DataFrame(rows, columns=cols)
    out["_t"] = out["term"].astype(str)
    out = out.sort_values(["cluster", "count", "_t"], ascending=[True, False, True])
    return out.drop(columns="_t").reset_index(drop=True)


def top_terms(clusters: pd.DataFrame, n: int = 10) -> pd.DataFrame:
    """The ``n`` most frequent terms of each cluster (``cluster, rank, term, count``).

    Ranked by document count, then by co-occurrence strength, then by name.
    """
    cols = ["cluster", "rank", "term", "count"]
    if clusters.empty:
        return pd.DataFrame(columns=cols)
    c = clusters.assign(_t=clusters["term"].astype(str)).sort_values(
        ["cluster", "count", "strength", "_t"], ascending=[True, False, False, True])
    c = c.groupby("cluster", sort=True).head(n).copy()
    c["rank"] = c.groupby("cluster").cumcount() + 1
    return c[cols].reset_index(drop=True)
