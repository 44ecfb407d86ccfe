"""Row normalisation of embedding matrices: the one ``unit_rows`` of the model jobs.

Keyword scoring (``models.keywords``), figure search (``models.figure_search``) and the
best-match reference (``models.bestmatch.brute_force_best_match``) all compare vectors by
cosine, cos(a, b) = a · b / (‖a‖ ‖b‖), and do it by scaling rows to unit length first.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["unit_rows"]


def unit_rows(x: Any, dtype: Any = None) -> np.ndarray:
    """Rows of ``x`` (n, d) scaled to unit L2 norm: x_i / sqrt(Σ_j x_ij²).

    ``sklearn.preprocessing.normalize(x, norm="l2")``: a new array, float dtypes kept (integers
    become float64). This wrapper exists
    for two differences only: ``dtype`` casts first (``np.float32`` for embeddings), and an
    empty (0, d) input is returned as is (sklearn refuses arrays without rows). As in
    sklearn, a zero row stays zero (so does a row of norm below 10 · machine epsilon, which
    embeddings never have), and NaN / inf values raise ``ValueError``.
    """
    from sklearn.preprocessing import normalize

    x = np.asarray(x, dtype=dtype)
    if x.ndim == 2 and x.shape[0] == 0:
        return x.copy()
    return normalize(x, norm="l2")
