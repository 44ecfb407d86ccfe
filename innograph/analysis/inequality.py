"""Inequality across regions: range, sample std, coefficient of variation, locational Gini.

Pure functions on numbers and frames (no store, no files, no plotting). The formulas follow
docs/method.md §7 and Wu, J. "Research on innovation output and characteristics of
industry-university-research cooperation in artificial intelligence technology in Chinese
provinces" (the *cooperation paper*, ``reference/iur-cooperation-provinces-paper.txt``),
§4: absolute differences (range, sample standard deviation, eq. 1) and relative
differences (coefficient of variation, eq. 2; locational Gini, eq. 3) of a count across
the N units (regions) of one year.

Frame conventions: ``unit`` (region or country), ``year`` (int), one row per (unit, year).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "value_range",
    "sample_std",
    "coefficient_of_variation",
    "locational_gini",
    "regional_differences",
]


def _as_values(values: Iterable[float]) -> np.ndarray:
    """A 1-d float array of ``values``; ValueError on NaN (a missing count is not zero)."""
    x = np.asarray(list(values) if not isinstance(values, (np.ndarray, pd.Series)) else values,
                   dtype=float).ravel()
    if np.isnan(x).any():
        raise ValueError("values contain NaN: fill missing counts explicitly (e.g. with 0)")
    return x

def value_range(values: Iterable[float]) -> float:
    r"""Range, an absolute difference: :math:`R = \max_i x_i - \min_i x_i`.

    Cooperation paper §4.1 (range of cooperative patents across provinces per year).
    ``nan`` for empty input (``numpy.ptp`` would raise); 0 for one value.
    """
    x = _as_values(values)
    return float(np.ptp(x)) if x.size else float("nan")


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

    The **sample** standard deviation (N − 1) over the mean, as the paper writes it:
    ``scipy.stats.variation(x, ddof=1)``, wrapped for the degenerate cases.

    Returns
    -------
    float
        ``nan`` when ``N < 2`` or the mean is 0 (no documents anywhere; scipy would return
        ``inf`` or warn).
    """
    from scipy import stats  # lazy: scipy.stats takes seconds to import

    x = _as_values(values)
    if x.size < 2 or x.mean() == 0:
        return float("nan")
    return float(stats.variation(x, ddof=1))


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
