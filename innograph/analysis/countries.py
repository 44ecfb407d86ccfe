"""Country indicators of papers: output, impact, co-authorship flows, topic shares.

Pure functions on frames (no store, no files, no plotting), after IFF, *Global AI
Competitiveness Index Report, Part 2* (the *IFF report*,
``reference/iff-ai-competitiveness-report.txt``): counts per million population, mean
citations, mean journal impact, the composite impact Z, co-authorship flows, topic shares,
the country–year series and the top journals.

Frame conventions: ``document`` (a paper id), ``country``, ``position`` (author order,
1 = first), ``cited``, ``impact``, ``topic``; repeated pairs are counted once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Literal

import numpy as np
import pandas as pd

__all__ = [
    "minmax",
    "country_indicators",
    "coauthorship_flows",
    "topic_shares",
    "country_year_series",
    "top_journals",
]


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


def country_year_series(paper_countries: pd.DataFrame,
                        patent_countries: pd.DataFrame) -> pd.DataFrame:
    """``kind, country, year, documents``: distinct papers / patents per country and year
    (full counting), sorted by kind, country, year (IFF report Fig. 2-1)."""
    parts = []
    for kind, f in (("paper", paper_countries), ("patent", patent_countries)):
        g = f.dropna(subset=["country", "year"]).drop_duplicates(["document", "country"])
        if len(g):
            c = g.groupby(["country", "year"])["document"].nunique().rename("documents")
            parts.append(c.reset_index().assign(kind=kind))
    cols = ["kind", "country", "year", "documents"]
    if not parts:
        return pd.DataFrame(columns=cols)
    out = pd.concat(parts, ignore_index=True)[cols]
    out["year"] = out["year"].astype(int)
    return out.sort_values(["kind", "country", "year"]).reset_index(drop=True)


def top_journals(venues: pd.DataFrame, top: int = 30) -> pd.DataFrame:
    """``rank, venue, papers, impact``: venues by distinct papers (ties by name), with the
    venue impact loaded by ``innograph load venues`` (IFF report Table 2)."""
    cols = ["rank", "venue", "papers", "impact"]
    v = venues.dropna(subset=["venue"])
    if v.empty:
        return pd.DataFrame(columns=cols)
    g = v.groupby("venue").agg(papers=("document", "nunique"), impact=("impact", "first"))
    g = g.reset_index().sort_values(["papers", "venue"], ascending=[False, True]).head(top)
    g.insert(0, "rank", np.arange(1, len(g) + 1))
    return g[cols].reset_index(drop=True)
