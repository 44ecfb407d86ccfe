"""Term co-occurrence: networks of keywords or IPC codes and their Louvain clusters.

Pure functions on frames and ``networkx`` graphs (IFF report §II.3, co-occurrence
clusters): ``document, term`` rows in, a weighted graph, clusters and top terms out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import networkx as nx
import pandas as pd

from .networks import _communities, _pair_counts

__all__ = [
    "cooccurrence_network",
    "cooccurrence_clusters",
    "top_terms",
]


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
