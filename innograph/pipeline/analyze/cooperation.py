"""``innograph analyze cooperation``: cooperation degree per region / country / province /
state, its ranking (cooperation paper Table 1) and its differences across the units per
year (Figures 3–4); with ``--types``, the industry–university–research cooperation types.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import pandas as pd

from ... import analysis as an
from ...analysis import applicants as ap
from ...analysis import cooperation as co
from ...analysis import plots
from ...analysis import regions as rg
from ...errors import BadInputError
from ...graph.store import Store
from ...years import YearRange
from .frames import (AnalysisResult, actor_countries, actor_frame, scoped, unit_frame,
                     write_files, year_list)


@scoped
def analyze_cooperation(store: Store,
                        by: Literal["region", "country", "province", "state"] = "region",
                        years: YearRange | None = None, out: str | Path = ".",
                        documents: Literal["patent", "paper"] = "patent",
                        measure: Literal["co_documents", "documents", "degree", "iur"]
                        = "co_documents",
                        min_actors: int = 2, types: bool = False) -> AnalysisResult:
    """Cooperation degree per region (or country) and its differences across regions.

    Per unit and year: documents, co-applied documents (≥ ``min_actors`` distinct
    applicants; institutions for ``documents='paper'``) and the cooperation degree;
    per unit over all years: the same, ranked (cooperation paper Table 1) with a total
    row over distinct documents; per year across units: range, sample std, CV and
    locational Gini of ``measure`` (Figures 3–4; the paper uses the cooperative
    patents). Units with no document in a year count as 0 that year.

    Writes ``cooperation_<by>.csv`` (ranking), ``cooperation_<by>_years.csv`` (unit ×
    year), ``cooperation_<by>_differences.csv`` and ``cooperation_<by>.png`` (degree bars,
    range/std and CV/Gini time series) into ``out``.

    ``by='province'`` / ``'state'``: the fixed list of units (the 31 mainland Chinese
    provinces of the paper / the 50 US states and DC), every unit shown (zeros too), each
    applicant placed by :func:`innograph.analysis.regions.region_of` (its region column,
    else its name); ``types=True`` adds the applicant types and the IUR cooperation types
    (:func:`analyze_cooperation_units`).
    """
    if by in ("province", "state"):
        return analyze_cooperation_units(store, by, years, out, documents, types,
                                         measure if measure != "co_documents" or not types
                                         else "iur")
    frame = unit_frame(store, by, documents, years)
    per_year = an.cooperation_table(frame.dropna(subset=["year"]), year="year",
                                    min_actors=min_actors)
    overall = an.cooperation_table(frame, year=None, min_actors=min_actors)
    ranking = an.rank_cooperation(overall)
    with_unit = frame.dropna(subset=["unit"])
    n_act = frame.dropna(subset=["actor"]).groupby("document")["actor"].nunique()
    docs = with_unit["document"].unique()
    n_all, n_co = len(docs), int((n_act.reindex(docs).fillna(0) >= min_actors).sum())
    total = pd.DataFrame({"rank": pd.array([pd.NA], dtype="Int64"), "unit": ["(all)"],
                          "documents": [n_all], "co_documents": [n_co],
                          "degree": [an.cooperation_degree(n_co, n_all)]})
    ranking = pd.concat([ranking, total], ignore_index=True) if len(ranking) else total
    units = sorted(with_unit["unit"].unique(), key=str)
    all_years = year_list(years, per_year["year"])
    diffs = an.regional_differences(per_year, value=measure, units=units, years=all_years)
    tag = f"cooperation_{by}"
    files = write_files(out, [
        (f"{tag}.csv", ranking), (f"{tag}_years.csv", per_year),
        (f"{tag}_differences.csv", diffs),
        (f"{tag}.png", plots.cooperation(ranking.iloc[:-1], diffs, by, measure))])
    summary = {"units": len(units), "documents": n_all, "co_documents": n_co,
               "degree": an.cooperation_degree(n_co, n_all) if n_all else float("nan"),
               "years": [all_years[0], all_years[-1]] if all_years else None}
    return AnalysisResult({"ranking": ranking, "by_year": per_year, "differences": diffs},
                          files, summary, main="ranking")

# ============================================================ typed cooperation (issue 16)
def applicant_table(store: Store, documents: str, years: YearRange | None,
                    scheme: Literal["province", "state"]) -> pd.DataFrame:
    """Every applicant (institution for papers) of ``documents`` with its type and unit.

    Returns ``actor, name, region, country, unit, type, rule, foreign, documents``:
    ``region`` as stored, ``country`` from LOCATED_IN (first code, sorted), ``unit`` =
    :func:`~innograph.analysis.regions.region_of` (region column, else name) when it is one
    of the scheme's fixed units, ``type`` / ``rule`` from
    :func:`~innograph.analysis.applicants.applicant_type_rule`, ``foreign`` when the actor
    lies outside the fixed units: a unit outside them (Hong Kong, Macao, Taiwan for
    provinces) or, without a unit, a known country other than CN (provinces) / US (states).
    """
    units = set(fixed_units(scheme))
    home = "CN" if scheme == "province" else "US"
    f = actor_frame(store, documents, years)
    n_docs = f.groupby("actor")["document"].nunique()
    a = f.drop_duplicates("actor")[["actor", "name", "region"]].reset_index(drop=True)
    c = actor_countries(store, documents, years).sort_values(["actor", "country"])
    a["country"] = a["actor"].map(c.drop_duplicates("actor").set_index("actor")["country"])
    typed = [ap.applicant_type_rule(n) for n in a["name"]]
    a["type"] = [t for t, _ in typed]
    a["rule"] = [r for _, r in typed]
    place = [rg.region_of(r if isinstance(r, str) else None, None,
                          n if isinstance(n, str) else None, scheme)
             for r, n in zip(a["region"], a["name"])]
    a["unit"] = [p if p in units else None for p in place]
    a["foreign"] = [(p is not None and p not in units)
                    or (p is None and isinstance(k, str) and k.upper() != home)
                    for p, k in zip(place, a["country"])]
    a["documents"] = a["actor"].map(n_docs).astype(int)
    return a[["actor", "name", "region", "country", "unit", "type", "rule", "foreign",
              "documents"]]


def fixed_units(scheme: str) -> tuple[str, ...]:
    """The fixed units of ``scheme``: the 31 mainland provinces or the US states and DC."""
    if scheme == "province":
        return rg.MAINLAND_PROVINCES
    if scheme == "state":
        return rg.US_STATES
    raise BadInputError(f"--by must be region, country, province or state, not {scheme!r}")


def analyze_cooperation_units(store: Store, scheme: Literal["province", "state"],
                              years: YearRange | None, out: str | Path,
                              documents: str, types: bool, measure: str) -> AnalysisResult:
    """``analyze cooperation --by province|state [--types]``: the cooperation paper's
    Table 1 over a fixed list of units (zeros shown), with the IUR types when ``types``.

    Table (``cooperation_<scheme>.csv``): ``rank, unit, documents, co_documents`` and, with
    ``types``, ``individual, foreign, I-U, I-R, U-R, I-U-R, iur``; ``degree`` = iur /
    documents with ``types`` (the paper's co-invention patents are its IUR patents), else
    co_documents / documents; ranked by degree (ties: documents, then name), units without
    patents last and unranked; a last ``(all)`` row over distinct patents. Per unit and year
    (``_years.csv``), differences across the fixed units per year (``_differences.csv``:
    range, sample std, CV, locational Gini of ``measure``, default ``iur`` with ``types``),
    every applicant with its type, rule and unit (``_applicants.csv``) and a figure
    (``.png``: stacked type bars or degree bars, range/std, CV/Gini).
    """
    if measure not in ("co_documents", "documents", "degree", "iur"):
        raise BadInputError(f"--measure must be co_documents, documents, degree or iur, "
                            f"not {measure!r}")
    if measure == "iur" and not types:
        raise BadInputError("--measure iur needs --types")
    units = fixed_units(scheme)
    apps = applicant_table(store, documents, years, scheme)
    f = actor_frame(store, documents, years)[["document", "year", "actor"]]
    f = f.merge(apps[["actor", "unit", "type", "foreign"]], on="actor", how="left")
    per_year = co.typed_cooperation_table(f, units, year="year")
    overall = co.typed_cooperation_table(f, units, year=None)
    total = co.overall_row(overall, f, units)
    if not types:
        keep = ["unit", "documents", "co_documents"]
        overall, per_year = overall[keep].copy(), per_year[["year"] + keep].copy()
        for t in (overall, per_year):
            t["degree"] = an.cooperation_degree(t["co_documents"].to_numpy(),
                                                t["documents"].to_numpy())
        total = {k: total[k] for k in keep}
        total["degree"] = an.cooperation_degree(total["co_documents"], total["documents"])
    num = "iur" if types else "co_documents"
    rk = an.rank_cooperation(overall[["unit", "documents"]].assign(co_documents=overall[num]))
    ranking = rk[["rank", "unit"]].merge(overall, on="unit", how="left")
    ranking = pd.concat([ranking, pd.DataFrame([total])], ignore_index=True)
    all_years = year_list(years, per_year["year"])
    diffs = co.differences_over_units(per_year, units, all_years, value=measure)
    tag = f"cooperation_{scheme}"
    files = write_files(out, [
        (f"{tag}.csv", ranking), (f"{tag}_years.csv", per_year),
        (f"{tag}_differences.csv", diffs), (f"{tag}_applicants.csv", apps),
        (f"{tag}.png", plots.cooperation_typed(ranking.iloc[:-1], diffs, scheme, measure,
                                               types))])
    summary = {"units": len(units), "documents": int(total["documents"]),
               "co_documents": int(total["co_documents"]),
               "applicants": len(apps), "applicants_placed": int(apps["unit"].notna().sum()),
               "applicants_foreign": int(apps["foreign"].sum()),
               "applicant_types": {k: int(v) for k, v in apps["type"].value_counts().items()},
               "years": [all_years[0], all_years[-1]] if all_years else None}
    if types:
        summary["iur"] = int(total["iur"])
    return AnalysisResult({"ranking": ranking, "by_year": per_year, "differences": diffs,
                           "applicants": apps}, files, summary, main="ranking")
