"""The data of the hypergraph MMSB: a (documents x keywords) incidence matrix read as
hyperedges (keyword sets), the distinct hyperedges with their counts, and how reusable the
keywords are.

Every function takes the incidence as a scipy sparse (or dense) matrix whose rows are
documents; any non-zero entry means "the document has this keyword".
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

__all__ = ["binary_csr", "hyperedge_counts", "as_hyperedge_list", "keyword_reuse"]


def binary_csr(incidence: Any) -> sp.csr_matrix:
    """(docs, keywords) CSR with every stored non-zero set to 1 and explicit zeros dropped."""
    m = sp.csr_matrix(incidence, copy=True)
    m.sum_duplicates()
    m.eliminate_zeros()
    m.data = np.ones_like(m.data, dtype=np.int8)
    m.sort_indices()
    return m


def hyperedge_counts(incidence: Any, min_size: int = 2,
                     max_size: int | None = None) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Distinct keyword sets of the rows of ``incidence``, grouped by size, with their counts.

    Parameters
    ----------
    incidence : (n_docs, n_keywords) sparse or dense; any non-zero means "has keyword".
    min_size, max_size : keep rows with ``min_size <= |h| <= max_size`` keywords.

    Returns
    -------
    ``{k: (members (E_k, k) int64 sorted column indices, counts (E_k,) int64)}``: ``X_h`` is
    the number of rows whose keyword set is exactly ``h``. Sizes in increasing order.
    """
    m = binary_csr(incidence)
    sizes = np.diff(m.indptr)
    out: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    hi = int(sizes.max()) if sizes.size else 0
    if max_size is not None:
        hi = min(hi, int(max_size))
    for k in range(max(1, int(min_size)), hi + 1):
        rows = np.flatnonzero(sizes == k)
        if rows.size == 0:
            continue
        starts = m.indptr[rows]
        members = m.indices[starts[:, None] + np.arange(k)[None, :]].astype(np.int64)
        uniq, counts = np.unique(members, axis=0, return_counts=True)
        out[k] = (uniq, counts.astype(np.int64))
    return out


def as_hyperedge_list(hyperedges: Any) -> tuple[np.ndarray, np.ndarray]:
    """(flat column indices, offsets) of deduplicated hyperedges from lists or a sparse matrix."""
    if sp.issparse(hyperedges):
        m = binary_csr(hyperedges)
        return m.indices.astype(np.int64), m.indptr.astype(np.int64)
    flat: list[int] = []
    offsets = [0]
    for h in hyperedges:
        members = sorted({int(i) for i in h})
        flat.extend(members)
        offsets.append(len(flat))
    return np.asarray(flat, dtype=np.int64), np.asarray(offsets, dtype=np.int64)


def keyword_reuse(incidence: Any) -> dict[str, Any]:
    """How reusable the keywords of a corpus are (issue 14: novelty that says when it cannot
    tell).

    A keyword seen in only one document ("single-use") carries no information about which
    combinations are usual: in a fit its ``theta`` row serves that one document alone and its
    ``r_i`` is the smallest, so each single-use keyword adds about the same constant
    ``log(max_j n_j / s)`` to its document's novelty. A document whose keywords are all
    single-use gets ``k log(max n / s)`` whatever it says (the "one constant" of issue 14).

    Parameters
    ----------
    incidence : (n_docs, n_keywords) sparse or dense; any non-zero means "has keyword".

    Returns
    -------
    dict: ``df`` (n_keywords,) int64 documents containing each keyword; ``keywords`` number of
    keywords with ``df >= 1``; ``single_use`` number with ``df == 1``; ``single_use_share`` =
    ``single_use / keywords`` (NaN when there is none); ``doc_size`` (n_docs,) distinct
    keywords per document; ``doc_single_use`` (n_docs,) how many of them are single-use;
    ``doc_single_use_share`` (n_docs,) their share (NaN for a document without keywords).
    """
    m = binary_csr(incidence)
    df = np.bincount(m.indices, minlength=m.shape[1]).astype(np.int64)
    size = np.diff(m.indptr).astype(np.int64)
    single = (df[m.indices] == 1).astype(np.int64)
    rows = np.repeat(np.arange(m.shape[0]), size)
    doc_single = np.bincount(rows, weights=single, minlength=m.shape[0]).astype(np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(size > 0, doc_single / np.maximum(size, 1), np.nan)
    n_kw = int((df >= 1).sum())
    n_single = int((df == 1).sum())
    return {"df": df, "keywords": n_kw, "single_use": n_single,
            "single_use_share": n_single / n_kw if n_kw else float("nan"),
            "doc_size": size, "doc_single_use": doc_single, "doc_single_use_share": share}
