"""Which rows a classifier trains, validates and is tested on.

- ``stratified_split``: train / validation / test indices stratified by (stratum, label), by
  a low-discrepancy (golden ratio) sequence;
- ``balance_classes``: a class-balanced subset (binary);
- ``prepare_labels``: multi-class labels with the rare-class policy (error / merge into
  ``other`` / drop);
- label-stratified subsampling to a row budget (``subsample_binary``, ``subsample_classes``).

Seeded numpy: labels and strata in, sorted index arrays out.
"""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from ...errors import BadInputError

__all__ = ["stratified_split", "balance_classes", "prepare_labels"]

_PHI = (math.sqrt(5) - 1) / 2  # golden ratio conjugate: the step of the split sequence


def _golden_split(keys: np.ndarray, fractions: tuple[float, float, float],
                  seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The low-discrepancy split of ``stratified_split`` over precomputed group keys."""
    f = np.asarray(fractions, np.float64)
    if f.shape != (3,) or (f < 0).any() or not math.isclose(f.sum(), 1.0, abs_tol=1e-9):
        raise ValueError(f"fractions must be 3 non-negative numbers summing to 1: {fractions}")
    rng = np.random.default_rng(seed)
    order = []
    for k in sorted(set(keys)):
        idx = np.nonzero(keys == k)[0]
        order.append(rng.permutation(idx))
    flat = np.concatenate(order) if order else np.array([], dtype=np.int64)
    u = np.mod(np.arange(flat.size) * _PHI + rng.random(), 1.0)
    which = np.searchsorted(np.cumsum(f)[:2], u, side="right")
    return tuple(np.sort(flat[which == i]) for i in range(3))  # type: ignore[return-value]


def stratified_split(labels: Sequence[Any], strata: Sequence[Any] | None = None,
                     fractions: tuple[float, float, float] = (0.8, 0.1, 0.1),
                     seed: int = 42, by_value: bool = False
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Train / validation / test indices, stratified by (stratum, label).

    Each (stratum, label) group is shuffled, the groups are laid end to end, and position p
    goes to the split in which u_p = frac(p·φ + s) falls (φ the golden ratio, s a seeded
    offset): a low-discrepancy sequence, so every group — and the whole — is divided in the
    given fractions up to a rounding of O(log n) rows, and tiny strata need no special case.

    ``labels`` are read as booleans (AI / non-AI); ``by_value=True`` groups by the label's
    text instead (multi-class: one group per class and stratum).
    """
    if by_value:
        y = np.asarray([str(v) for v in labels], dtype=object)
    else:
        y = np.asarray([bool(v) for v in labels])
    st = np.asarray(["" if s is None else str(s) for s in strata] if strata is not None
                    else [""] * len(y), dtype=object)
    if len(st) != len(y):
        raise ValueError(f"{len(y)} labels but {len(st)} strata")
    if by_value:
        keys = np.array([f"{s}\x00{v}" for s, v in zip(st, y)], dtype=object)
    else:
        keys = np.array([f"{s}\x00{int(v)}" for s, v in zip(st, y)], dtype=object)
    return _golden_split(keys, fractions, seed)


def balance_classes(labels: Sequence[Any], seed: int = 42) -> np.ndarray:
    """Indices of a class-balanced subset: every row of the smaller class and as many rows of
    the larger one, drawn uniformly at random (so the larger class keeps its stratum mix in
    expectation). Sorted."""
    y = np.asarray([bool(v) for v in labels])
    pos, neg = np.nonzero(y)[0], np.nonzero(~y)[0]
    k = min(pos.size, neg.size)
    rng = np.random.default_rng(seed)
    keep = np.concatenate([rng.permutation(pos)[:k], rng.permutation(neg)[:k]])
    return np.sort(keep)


def subsample_binary(y: np.ndarray, n: int, seed: int) -> np.ndarray:
    """``n`` indices keeping the label ratio (sorted)."""
    rng = np.random.default_rng(seed + 1)
    pos, neg = np.nonzero(y)[0], np.nonzero(~y)[0]
    k_pos = int(round(n * pos.size / max(y.size, 1)))
    keep = np.concatenate([rng.permutation(pos)[:k_pos], rng.permutation(neg)[:n - k_pos]])
    return np.sort(keep)


def subsample_classes(y: np.ndarray, n: int, seed: int) -> np.ndarray:
    """``n`` indices of integer class codes ``y`` keeping the class shares (largest
    remainder; every class keeps at least one row while ``n`` allows). Sorted."""
    rng = np.random.default_rng(seed + 1)
    classes, counts = np.unique(y, return_counts=True)
    quota = counts * n / y.size
    take = np.maximum(np.floor(quota).astype(np.int64), 1)
    for c in np.argsort(-(quota - np.floor(quota)), kind="stable"):
        if take.sum() >= n:
            break
        take[c] += 1
    while take.sum() > n:  # the minimum of one row overshot: trim the largest
        take[np.argmax(take)] -= 1
    keep = [rng.permutation(np.nonzero(y == c)[0])[:t] for c, t in zip(classes, take)]
    return np.sort(np.concatenate(keep))


def prepare_labels(labels: Sequence[Any], min_per_class: int = 2, rare: str = "error",
                   other: str = "other") -> tuple[np.ndarray, list[str], dict[str, Any]]:
    """Class labels for multi-class training: text, rare classes handled.

    A class with fewer than ``min_per_class`` rows cannot be learnt and tested (the split
    needs at least one training row and one held-out row per class). ``rare``:

    - ``'error'`` (default): ``BadInputError`` naming the rare classes and their counts;
    - ``'other'``: their rows take the label ``other`` (if that merged class is itself still
      under ``min_per_class``, its rows are dropped);
    - ``'drop'``: their rows are left out.

    Returns ``(keep, y, info)``: ``keep`` the indices of the rows used (sorted), ``y`` their
    labels (text, ``(len(keep),)`` object array), ``info`` ``{"classes": sorted class list,
    "counts": {class: rows}, "merged": [...], "dropped": [...], "rows_dropped": int}``.
    Labels that are None or blank are refused (``BadInputError`` with the row number).
    """
    if rare not in ("error", "other", "drop"):
        raise BadInputError(f"rare must be 'error', 'other' or 'drop', not {rare!r}")
    if min_per_class < 2:
        raise BadInputError(f"min_per_class must be at least 2, not {min_per_class}")
    y = []
    for i, v in enumerate(labels):
        s = "" if v is None or (isinstance(v, float) and v != v) else str(v).strip()
        if not s:
            raise BadInputError(f"row {i}: empty class label (every training row needs one)")
        y.append(s)
    ya = np.asarray(y, dtype=object)
    counts: dict[str, int] = {}
    for v in y:
        counts[v] = counts.get(v, 0) + 1
    small = sorted(c for c, k in counts.items() if k < min_per_class)
    merged: list[str] = []
    dropped: list[str] = []
    if small and rare == "error":
        listing = ", ".join(f"{c} ({counts[c]} row{'s' if counts[c] > 1 else ''})" for c in small)
        raise BadInputError(
            f"{len(small)} class(es) have fewer than {min_per_class} rows and cannot be split "
            f"into training and test rows: {listing}. Merge them into '{other}' "
            "(rare='other', --rare other), leave them out (rare='drop'), or add rows")
    if small and rare == "other":
        merged = small
        ya = np.where(np.isin(ya, small), other, ya)
        n_other = int(np.sum(ya == other))
        if n_other < min_per_class:
            dropped = [other]
    elif small:
        dropped = small
    keep = np.nonzero(~np.isin(ya, dropped))[0] if dropped else np.arange(ya.size)
    ya = ya[keep]
    classes = sorted(set(ya.tolist()))
    if len(classes) < 2:
        raise BadInputError(f"training needs at least 2 classes with {min_per_class}+ rows; "
                            f"got {len(classes)} ({', '.join(classes) or 'none'}) from "
                            f"{len(y)} rows")
    final = {c: int(np.sum(ya == c)) for c in classes}
    return keep, ya, {"classes": classes, "counts": final, "merged": merged,
                      "dropped": dropped, "rows_dropped": int(len(y) - keep.size)}
