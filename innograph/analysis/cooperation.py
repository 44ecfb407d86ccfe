"""Cooperation per region: the cooperation degree and the typed industry–university–research
(IUR) cooperation of the cooperation paper, Table 1 (Wu, J.,
``reference/iur-cooperation-provinces-paper.txt``).

Pure: a frame of (document, actor) rows in, tables out. :func:`cooperation_degree`,
:func:`cooperation_table` and :func:`rank_cooperation` count co-applied documents per unit;
the typed tables split them by the applicants' types. The pipeline
(``innograph.pipeline.analyze.analyze_cooperation`` with ``types=True``) builds the frame
from the store, typing each applicant with :func:`innograph.analysis.applicants.applicant_type`
and placing it with :func:`innograph.analysis.regions.region_of`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .applicants import (COOPERATION_TYPES, ENTERPRISE, INDIVIDUAL, RESEARCH, UNIVERSITY,
                         patent_category)  # noqa: F401  (patent_category: the rule restated)
from .inequality import regional_differences

__all__ = ["cooperation_degree", "cooperation_table", "rank_cooperation", "CATEGORIES",
           "patent_categories", "typed_cooperation_table", "differences_over_units",
           "overall_row"]

#: Every category a patent can fall in (:func:`~innograph.analysis.applicants.patent_category`).
CATEGORIES = ("individual", "foreign", "single", "same-kind") + COOPERATION_TYPES


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


def patent_categories(frame: pd.DataFrame, document: str = "document", actor: str = "actor",
                      type_: str = "type", foreign: str = "foreign") -> pd.Series:
    """The category of each patent (index: document) from its distinct applicants' types and
    foreign flags (one row per (document, actor); repeated pairs counted once): the rule of
    :func:`~innograph.analysis.applicants.patent_category`, vectorised."""
    f = frame.drop_duplicates([document, actor])
    if f.empty:
        return pd.Series([], dtype=object, name="category", index=pd.Index([], name=document))
    t = f[type_]
    flags = pd.DataFrame({
        document: f[document].to_numpy(),
        "ind": (t == INDIVIDUAL).to_numpy(),
        "fr": f[foreign].fillna(False).astype(bool).to_numpy(),
        "i": (t == ENTERPRISE).to_numpy(), "u": (t == UNIVERSITY).to_numpy(),
        "r": (t == RESEARCH).to_numpy(), "n": 1})
    g = flags.groupby(document, sort=True).agg(
        {"ind": "any", "fr": "any", "i": "any", "u": "any", "r": "any", "n": "sum"})
    i, u, r = g["i"], g["u"], g["r"]
    # the order of patent_category: individual, foreign, single, then the IUR types
    cat = np.select(
        [g["ind"], g["fr"], g["n"] < 2, i & u & r, i & u, i & r, u & r],
        ["individual", "foreign", "single", "I-U-R", "I-U", "I-R", "U-R"], "same-kind")
    return pd.Series(cat, index=g.index, name="category")


def typed_cooperation_table(frame: pd.DataFrame, units: Sequence[Any],
                            year: str | None = None, document: str = "document",
                            actor: str = "actor", unit: str = "unit", type_: str = "type",
                            foreign: str = "foreign") -> pd.DataFrame:
    r"""Per unit (and year): patents, co-applied patents, IUR cooperation by type, degree.

    A patent counts for every unit one of its applicants is in (whole counting; a patent
    of a Beijing university and a Tianjin company counts once for each). Columns:

    - ``documents``: patents with an applicant in the unit (the paper's "number of invention
      patents");
    - ``co_documents``: those with two or more distinct applicants;
    - ``individual``, ``foreign``: set apart (an individual applicant; an applicant outside
      the units studied), as the paper does before counting cooperation;
    - ``I-U``, ``I-R``, ``U-R``, ``I-U-R``: IUR cooperative patents by type, and ``iur``
      their sum (the paper's "number of co-invention patents");
    - ``degree`` = ``iur`` / ``documents`` (:func:`cooperation_degree`;
      nan for a unit without patents).

    Parameters
    ----------
    frame : DataFrame
        One row per (document, actor) with the actor's ``unit`` (null when unknown or
        foreign), ``type`` (applicant type) and ``foreign`` (bool), and ``year`` when given.
    units : sequence
        The fixed list of units: every one gets a row (zeros shown), in this order; rows
        of units not listed are dropped (their patents are foreign by definition).
    year : str or None
        Year column: one row per (unit, year) for every year present.

    Returns
    -------
    DataFrame
        ``unit, [year,] documents, co_documents, individual, foreign, I-U, I-R, U-R, I-U-R,
        iur, degree``.
    """
    counts = ["documents", "co_documents", "individual", "foreign", *COOPERATION_TYPES, "iur"]
    keys = [unit] + ([year] if year else [])
    cols = keys + counts + ["degree"]
    units = list(units)
    years: list[Any] = sorted(frame[year].dropna().unique()) if year and len(frame) else []
    idx = (pd.MultiIndex.from_product([units, years], names=keys) if year
           else pd.Index(units, name=unit))
    if frame.empty:
        out = pd.DataFrame(0, index=idx, columns=counts).reset_index()
    else:
        f = frame.drop_duplicates([document, actor])
        cat = patent_categories(f, document, actor, type_, foreign)
        n_act = f.groupby(document)[actor].nunique()
        u = f.dropna(subset=[unit])
        u = u[u[unit].isin(units)]
        if year:
            u = u.dropna(subset=[year])
        u = u.drop_duplicates([document] + keys)
        u = u.assign(_cat=u[document].map(cat), _n=u[document].map(n_act))
        g = u.groupby(keys, sort=False)
        out = pd.DataFrame({"documents": g[document].nunique(),
                            "co_documents": g["_n"].apply(lambda s: int((s >= 2).sum()))})
        for c in ("individual", "foreign", *COOPERATION_TYPES):
            out[c] = g["_cat"].apply(lambda s, c=c: int((s == c).sum()))
        out["iur"] = out[list(COOPERATION_TYPES)].sum(axis=1)
        out = out.reindex(idx).fillna(0).astype(int).reset_index()
    out["degree"] = cooperation_degree(out["iur"].to_numpy(), out["documents"].to_numpy())
    return out[cols]


def differences_over_units(per_year: pd.DataFrame, units: Iterable[Any],
                           years: Iterable[int], value: str = "iur") -> pd.DataFrame:
    """Range, sample std, CV and locational Gini of ``value`` over the fixed units, per
    year (units without patents count as 0):
    :func:`~innograph.analysis.inequality.regional_differences`."""
    return regional_differences(per_year, value=value, units=list(units), years=list(years))


def overall_row(table: pd.DataFrame, frame: pd.DataFrame, units: Sequence[Any],
                document: str = "document", actor: str = "actor", unit: str = "unit",
                type_: str = "type", foreign: str = "foreign") -> dict[str, Any]:
    """The ``(all)`` row over **distinct** patents with an applicant in one of the units
    (a patent of two provinces counts once here, once per province above)."""
    f = frame.drop_duplicates([document, actor])
    docs = f[f[unit].isin(list(units))][document].unique()
    g = f[f[document].isin(docs)]
    if not len(docs):
        row = {c: 0 for c in table.columns if c not in (unit, "degree", "rank")}
        return {unit: "(all)", **row, "degree": np.nan}
    cat = patent_categories(g, document, actor, type_, foreign)
    n_act = g.groupby(document)[actor].nunique()
    row = {unit: "(all)", "documents": len(docs), "co_documents": int((n_act >= 2).sum()),
           "individual": int((cat == "individual").sum()),
           "foreign": int((cat == "foreign").sum())}
    for c in COOPERATION_TYPES:
        row[c] = int((cat == c).sum())
    row["iur"] = sum(row[c] for c in COOPERATION_TYPES)
    row["degree"] = cooperation_degree(row["iur"], row["documents"])
    return row
