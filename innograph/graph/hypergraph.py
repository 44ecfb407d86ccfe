"""The keyword hypergraph pulled from the store: documents are hyperedges over keywords.

In the store the hypergraph is bipartite, ``(Paper|Patent)-[:HAS_KEYWORD]->(Keyword)``
(DESIGN.md §2). ``incidence`` turns it into a scipy sparse incidence matrix (documents ×
keywords) with the id arrays, for ``innograph.models`` and for notebooks; ``hypernetx``
gives the same hypergraph as a ``hypernetx.Hypergraph`` (imported lazily).

Nothing here imports ``innograph.models`` (DESIGN.md §1).
"""

from __future__ import annotations

from typing import Any, NamedTuple, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import scipy.sparse as sp

from . import queries, schema
from ..years import YearRange


class Incidence(NamedTuple):
    """A hypergraph as an incidence matrix and its labels.

    matrix : (n_docs, n_keywords) ``scipy.sparse.csr_matrix`` of int8 ones; row ``i`` is
        document ``doc_ids.iloc[i]``, column ``j`` keyword ``keyword_names[j]``.
    doc_ids : DataFrame with columns ``label`` (Paper | Patent) and ``id``, one row per
        document that has at least one keyword edge in the selection (sorted by label, id).
    keyword_names : (n_keywords,) object array of Keyword names, sorted.
    doc_years : (n_docs,) float64 years, NaN where the document has none.
    """

    matrix: sp.csr_matrix
    doc_ids: pd.DataFrame
    keyword_names: np.ndarray
    doc_years: np.ndarray


def _year_bounds(years: YearRange | int | None) -> YearRange:
    if years is None:
        return None, None
    if isinstance(years, (int, np.integer)):
        return int(years), int(years)
    lo, hi = years
    return (None if lo is None else int(lo)), (None if hi is None else int(hi))


def keyword_edges(store: Any, years: YearRange | int | None = None,
                  labels: Sequence[str] = schema.DOCUMENT_LABELS,
                  source: str | None = None) -> pa.Table:
    """The HAS_KEYWORD edges of documents as a table: ``label, id, year, keyword``.

    Parameters
    ----------
    store : an open Store (Kùzu or Neo4j: the query is plain Cypher).
    years : ``(first, last)`` inclusive (either end ``None`` = open) or one year; documents
        without a year are left out when a bound is given.
    labels : document labels to include (Paper, Patent).
    source : only edges with this ``source`` property (``input`` | ``keybert``).
    """
    lo, hi = _year_bounds(years)
    parts = []
    for label in labels:
        if (label, schema.KEYWORD) not in schema.rel(schema.HAS_KEYWORD).pairs:
            raise KeyError(f"{schema.HAS_KEYWORD} does not start at {label}")
        t = store.read_table(*queries.keyword_incidence(label, lo, hi, source))
        parts.append(pa.table({
            "label": pa.array([label] * t.num_rows, pa.string()),
            "id": t.column("id").cast(pa.string()),
            "year": t.column("year").cast(pa.int64()),
            "keyword": t.column("keyword").cast(pa.string()),
        }))
    if not parts:
        return pa.table({"label": pa.array([], pa.string()), "id": pa.array([], pa.string()),
                         "year": pa.array([], pa.int64()), "keyword": pa.array([], pa.string())})
    return pa.concat_tables(parts)


def incidence_from_edges(edges: pa.Table | pd.DataFrame) -> Incidence:
    """An ``Incidence`` from a ``label, id, year, keyword`` edge table (duplicates collapse)."""
    df = edges.to_pandas() if isinstance(edges, pa.Table) else edges
    if len(df) == 0:
        return Incidence(sp.csr_matrix((0, 0), dtype=np.int8),
                         pd.DataFrame({"label": pd.Series([], dtype=object),
                                       "id": pd.Series([], dtype=object)}),
                         np.array([], dtype=object), np.array([], dtype=np.float64))
    kw_codes, kw_names = pd.factorize(df["keyword"].astype(object), sort=True)
    doc_key = pd.MultiIndex.from_arrays([df["label"].astype(object), df["id"].astype(object)])
    doc_codes, docs = pd.factorize(doc_key, sort=True)
    n_docs, n_kw = len(docs), len(kw_names)
    m = sp.csr_matrix((np.ones(len(df), dtype=np.int8), (doc_codes, kw_codes)),
                      shape=(n_docs, n_kw))
    m.sum_duplicates()
    m.data[:] = 1
    years = np.full(n_docs, np.nan)
    y = pd.to_numeric(df["year"], errors="coerce").to_numpy(dtype=np.float64)
    years[doc_codes] = y  # every edge of a document carries the same year
    doc_ids = pd.DataFrame({"label": docs.get_level_values(0).astype(object),
                            "id": docs.get_level_values(1).astype(object)})
    return Incidence(m, doc_ids, np.asarray(kw_names, dtype=object), years)


def incidence(store: Any, years: YearRange | int | None = None,
              labels: Sequence[str] = schema.DOCUMENT_LABELS,
              source: str | None = None) -> Incidence:
    """The documents × keywords incidence matrix of the store's keyword hypergraph.

    Parameters
    ----------
    store : an open Store.
    years : ``(first, last)`` inclusive, either end ``None``; or one year; ``None`` = all
        documents (with or without a year).
    labels : document labels (default Paper and Patent).
    source : only HAS_KEYWORD edges whose ``source`` is this (``input`` | ``keybert``).

    Returns
    -------
    Incidence ``(matrix, doc_ids, keyword_names, doc_years)`` (a NamedTuple; unpack it as a
    4-tuple). Documents without any selected keyword edge are not rows; keywords without a
    selected edge are not columns. Empty store: a (0, 0) matrix.
    """
    return incidence_from_edges(keyword_edges(store, years, labels, source))


def hypernetx(store: Any, years: YearRange | int | None = None,
              labels: Sequence[str] = schema.DOCUMENT_LABELS,
              source: str | None = None) -> Any:
    """The keyword hypergraph as a ``hypernetx.Hypergraph``.

    One edge per document (named by its id; when a Paper and a Patent share an id, both
    edges are named ``"<label>:<id>"``), over its keywords (named by Keyword name), in
    (label, id, keyword) order. Built straight from :func:`keyword_edges` (hypernetx takes
    an edge list); ``innograph.models.mmsb.to_hypernetx`` converts an incidence matrix.
    """
    import hypernetx as hnx

    df = keyword_edges(store, years, labels, source).to_pandas()
    df = df.drop_duplicates(["label", "id", "keyword"]).sort_values(["label", "id", "keyword"])
    docs = df[["label", "id"]].drop_duplicates()
    shared = set(docs.loc[docs["id"].duplicated(keep=False), "id"])
    names = np.where(df["id"].isin(shared), df["label"] + ":" + df["id"], df["id"])
    pairs = pd.DataFrame({"edge": names.astype(object), "node": df["keyword"].to_numpy(object)})
    return hnx.Hypergraph(pairs, edge_col="edge", node_col="node")
