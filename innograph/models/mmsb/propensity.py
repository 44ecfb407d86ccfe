"""Novelty of keyword combinations under a fitted hypergraph MMSB (docs/method.md §4).

``log_propensity`` gives ``log lambda_h = log sum_d prod_{i in h} theta_{i,d} +
sum_{i in h} log r_i`` of each hyperedge ``h`` (numpy, in log space); ``novelty`` is
``-log lambda_h`` (higher = more surprising).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import logsumexp

from .data import as_hyperedge_list

__all__ = ["log_propensity", "novelty"]


def log_propensity(theta: np.ndarray, r: np.ndarray, hyperedges: Any,
                   chunk: int = 200_000) -> np.ndarray:
    """``log lambda_h = log sum_d prod_{i in h} theta_{i,d} + sum_{i in h} log r_i``.

    Parameters
    ----------
    theta : (n_keywords, D) rows on the simplex. r : (n_keywords,) saliences, >= 0.
    hyperedges : a sequence of keyword-index collections (duplicates inside one hyperedge are
        ignored), or a sparse (n_hyperedges, n_keywords) matrix whose rows are hyperedges.
    chunk : hyperedges per vectorised block (bounds memory at ``chunk * mean size * D``).

    Returns
    -------
    (n_hyperedges,) float64. NaN for hyperedges with fewer than 2 keywords; ``-inf`` where a
    member has ``r_i = 0`` (a keyword the model never saw). Computed in log space
    (``logsumexp`` over dimensions), so products of many small factors do not underflow.
    """
    theta = np.asarray(theta, dtype=np.float64)
    r = np.asarray(r, dtype=np.float64)
    flat, offsets = as_hyperedge_list(hyperedges)
    n = offsets.size - 1
    out = np.full(n, np.nan)
    if n == 0:
        return out
    if flat.size and (flat.min() < 0 or flat.max() >= theta.shape[0]):
        raise IndexError(f"hyperedge member out of range 0..{theta.shape[0] - 1}")
    with np.errstate(divide="ignore"):
        log_theta = np.log(theta)
        log_r = np.log(r)
    sizes = np.diff(offsets)
    row_of = np.repeat(np.arange(n), sizes)
    for a in range(0, n, chunk):
        b = min(n, a + chunk)
        sel = np.arange(offsets[a], offsets[b])
        sel = sel[sizes[row_of[sel]] >= 2]
        if sel.size == 0:
            continue
        seg = row_of[sel] - a
        idx = flat[sel]
        sums = np.zeros((b - a, theta.shape[1]))
        _segment_sum(sums, seg, log_theta[idx])
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            lse = logsumexp(sums, axis=1)  # -inf for a row of -inf (a member with r_i = 0)
            lr = np.bincount(seg, weights=log_r[idx], minlength=b - a)
        done = np.unique(seg)
        out[a + done] = (lse + lr)[done]
    return out


def _segment_sum(out: np.ndarray, seg: np.ndarray, values: np.ndarray) -> None:
    """out[s] += sum of values rows with seg == s (seg sorted, contiguous)."""
    if values.shape[0] == 0:
        return
    starts = np.flatnonzero(np.r_[True, seg[1:] != seg[:-1]])
    out[seg[starts]] = np.add.reduceat(values, starts, axis=0)


def novelty(theta: np.ndarray, r: np.ndarray, hyperedges: Any) -> np.ndarray:
    """Novelty of each hyperedge: ``-log lambda_h`` (docs/method.md §4; higher = more novel).

    ``lambda_h = sum_d prod_{i in h} theta_{i,d} * prod_{i in h} r_i``.

    Parameters
    ----------
    theta : (n_keywords, D), rows on the simplex. r : (n_keywords,) saliences.
    hyperedges : list of lists of keyword column indices (or a sparse matrix, rows =
        hyperedges).

    Returns
    -------
    (n_hyperedges,) float64: NaN for hyperedges with fewer than 2 (distinct) keywords,
    ``+inf`` when a member has ``r_i = 0``. Only comparable between scores of one model.
    """
    return -log_propensity(theta, r, hyperedges)
