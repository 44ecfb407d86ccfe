"""``innograph analyze countries``: country indicators of papers (IFF report §I–V) and the
patent side: counts, per million population, mean citations and venue impact, composite Z,
co-authorship flows, topic shares, country–year series, top journals, institutions and
patent holders.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from ... import analysis as an
from ...analysis import plots
from ...analysis.regions import country_of
from ...errors import BadInputError
from ...graph.store import Store
from ...years import YearRange
from .frames import (AnalysisResult, actor_countries, actor_frame, load_population, read_frame,
                     scoped, write_files)


def split_affiliations(text: Any) -> list[str]:
    """The items of a stored affiliation text: a Python / JSON list (``"['MIT', 'a@b.edu']"``,
    the arXiv 2023 listing) or free text split on ``;``, ``|`` and new lines (DeepDiveAI
    "Affiliations"). Unparsable list text is split as free text."""
    if not isinstance(text, str) or not text.strip():
        return []
    t = text.strip()
    if t.startswith("[") and t.endswith("]"):
        for parse in (json.loads, ast.literal_eval):
            try:
                v = parse(t)
            except (ValueError, SyntaxError, TypeError):
                continue
            if isinstance(v, list):
                return [str(x).strip() for x in v if str(x).strip()]
    return [x.strip() for x in re.split(r"[;|\n]", t) if x.strip()]


def parsed_paper_countries(store: Store, years: YearRange | None) -> pd.DataFrame:
    """``document, year, country, source``: countries parsed by
    :func:`innograph.analysis.regions.country_of` from each paper's ``affiliations_text``
    items (``source='affiliations'``) and from the names of its institutions, document-level
    and through its authors (``source='institution'``)."""
    rows: list[tuple[Any, Any, str, str]] = []
    t = read_frame(store, "paper_affiliations_text", years)
    for d, y, text in zip(t["document"], t["year"], t["text"]):
        for item in split_affiliations(text):
            c = country_of(item)
            if c:
                rows.append((d, y, c, "affiliations"))
    inst = pd.concat([read_frame(store, "paper_institutions", years),
                      read_frame(store, "paper_author_institutions", years)],
                     ignore_index=True).drop_duplicates(["document", "actor"])
    cache: dict[str, str | None] = {}
    for d, y, name in zip(inst["document"], inst["year"], inst["name"]):
        if isinstance(name, str):
            c = cache[name] if name in cache else cache.setdefault(name, country_of(name))
            if c:
                rows.append((d, y, c, "institution"))
    f = pd.DataFrame(rows, columns=["document", "year", "country", "source"])
    return f.drop_duplicates(["document", "country", "source"]).reset_index(drop=True)


def _paper_countries(store: Store, years: YearRange | None,
                     countries: str = "both") -> pd.DataFrame:
    """``document, year, country, position`` from institutions (position null) and from
    the authors (their own country, and their institutions' countries): the graph's
    LOCATED_IN edges (``countries='graph'``), the countries parsed from the affiliation
    text and institution names (``'affiliations'``, position null), or both (default)."""
    if countries not in ("graph", "affiliations", "both"):
        raise BadInputError(f"--countries must be graph, affiliations or both, not {countries!r}")
    cols = ["document", "year", "country", "position"]
    parts = []
    if countries in ("graph", "both"):
        parts += [read_frame(store, "paper_institution_countries", years).assign(position=np.nan),
                  read_frame(store, "paper_author_institution_countries", years),
                  read_frame(store, "paper_author_countries", years)]
    if countries in ("affiliations", "both"):
        parts.append(parsed_paper_countries(store, years).assign(position=np.nan))
    f = pd.concat([p[cols] for p in parts], ignore_index=True)
    f["position"] = pd.to_numeric(f["position"], errors="coerce")
    return f.drop_duplicates().reset_index(drop=True)


def _paper_topics(store: Store, topics: str, years: YearRange | None) -> pd.DataFrame:
    if topics == "keyword":
        return read_frame(store, "paper_keywords", years).rename(columns={"term": "topic"})
    if topics == "category":
        c = read_frame(store, "paper_categories", years)
        c = c.assign(topic=c["categories"].astype(str).str.split()).explode("topic")
        return c[["document", "year", "topic"]].dropna()
    raise BadInputError(f"topics must be 'keyword' or 'category', not {topics!r}")


@scoped
def analyze_countries(store: Store, out: str | Path = ".",
                      population: pd.DataFrame | str | Path | None = None,
                      years: YearRange | None = None, top: int | None = 30,
                      counting: Literal["full", "fractional"] = "full",
                      topics: Literal["keyword", "category"] = "keyword",
                      top_topics: int = 10,
                      countries: Literal["graph", "affiliations", "both"] = "both",
                      top_series: int = 10, top_list: int = 30) -> AnalysisResult:
    """Country indicators of papers (IFF report §I–V).

    A paper's countries are those of its institutions and of its authors (and of the
    authors' institutions). Per country: papers, papers per million population, mean
    citations (``Paper.cited``), mean venue impact (``Venue.impact``), and
    Z = 0.5·minmax(citations) + 0.5·minmax(impact) over the ``top`` countries by papers;
    co-authorship flows from the first author's country (lowest ``AUTHORED.position``)
    to the co-authors' countries; the share of each country's papers carrying each of
    the ``top_topics`` most frequent topics (keywords, or arXiv categories).

    ``population``: a DataFrame or CSV path (``code, population``); default the shipped
    ``innograph/data/population.csv``.

    Writes ``countries.csv``, ``countries_flows.csv``, ``countries_topics.csv``,
    ``countries.png`` (bars: papers, per million, Z) and ``countries_flows.png`` (flow
    diagram) into ``out``.

    Issue 16 additions: ``countries`` picks where a paper's countries come from (graph
    LOCATED_IN edges, :func:`parsed_paper_countries` from the affiliation text and
    institution names, or both, default); the patent side (:func:`patent_country_tables`:
    ``countries_patents.csv`` patents per applicant country and per million,
    ``countries_holders.csv`` the ``top_list`` applicants by patents); the country–year
    series of papers and patents (``countries_years.csv`` long, ``countries_years.png``
    lines of the ``top_series`` countries, IFF report Fig. 2-1); the ``top_list`` journals
    (``countries_journals.csv``: papers, impact, Table 2) and institutions
    (``countries_institutions.csv``: papers, country).
    """
    pop = population if isinstance(population, pd.DataFrame) else load_population(population)
    pc = _paper_countries(store, years, countries)
    imp = read_frame(store, "paper_impact", years)[["document", "cited", "impact"]]
    imp = imp.drop_duplicates("document")
    ind = an.country_indicators(pc.merge(imp, on="document", how="left"), population=pop,
                                top=top, counting=counting)
    names = dict(zip(pop["code"].astype(str).str.upper(), pop.get("name", pop["code"])))
    ind.insert(2, "name", [names.get(str(c).upper(), "") for c in ind["country"]])
    flows = an.coauthorship_flows(pc)
    tp = _paper_topics(store, topics, years)
    shares = an.topic_shares(pc[["document", "country"]].merge(
        tp[["document", "topic"]], on="document", how="left"), top=top_topics)
    if top is not None and len(shares):
        shares = shares[shares["country"].isin(ind["country"])].reset_index(drop=True)
    patents, holders, pat_c = patent_country_tables(store, years, pop, top_list)
    series = an.country_year_series(pc, pat_c)
    journals = an.top_journals(read_frame(store, "paper_venues", years), top_list)
    insts = top_institutions(store, years, top_list)
    files = write_files(out, [
        ("countries.csv", ind), ("countries_flows.csv", flows),
        ("countries_topics.csv", shares), ("countries.png", plots.countries(ind)),
        ("countries_flows.png", plots.flow_diagram(flows)),
        ("countries_patents.csv", patents), ("countries_holders.csv", holders),
        ("countries_years.csv", series), ("countries_journals.csv", journals),
        ("countries_institutions.csv", insts),
        ("countries_years.png", plots.country_years(series, top_series))])
    n_papers = int(read_frame(store, "papers_in_years", years)["document"].nunique())
    z_note = ""
    if len(ind) and ind["z"].isna().all():
        has_c = ind["mean_cited"].notna().sum() >= 2
        has_i = ind["mean_impact"].notna().sum() >= 2
        z_note = ("Z blank: " + ", ".join(
            x for x, ok in (("no citation counts (Paper.cited)", has_c),
                            ("no venue impact (innograph load venues FILE)", has_i)) if not ok)
                  or "Z blank: fewer than two distinct values")
    summary = {"countries": len(ind), "papers": int(pc["document"].nunique()),
               "papers_in_store": n_papers, "flows": len(flows),
               "patents": int(pat_c["document"].nunique()) if len(pat_c) else 0,
               "patent_countries": len(patents), "journals": len(journals),
               "institutions": len(insts)}
    if z_note:
        summary["z_note"] = z_note
    return AnalysisResult({"countries": ind, "flows": flows, "topics": shares,
                           "patents": patents, "holders": holders, "years": series,
                           "journals": journals, "institutions": insts}, files,
                          summary, main="countries")


def patent_country_tables(store: Store, years: YearRange | None, pop: pd.DataFrame,
                          top: int = 30) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The patent side of the country indicators.

    A patent's countries are its applicants' countries (LOCATED_IN); a patent of applicants
    in two countries counts for both (full counting). Returns ``(patents, holders, frame)``:
    ``patents`` = ``rank, country, name, documents, population, per_million`` (documents =
    patents, per million population, from :func:`~innograph.analysis.countries.country_indicators`);
    ``holders`` = ``rank, actor, name, country, patents`` for the ``top`` applicants by
    distinct patents (ties by name); ``frame`` = ``document, year, country`` rows.
    """
    pa_c = read_frame(store, "patent_applicant_countries", years)
    frame = pa_c[["document", "year", "country"]].dropna(subset=["country"]).drop_duplicates()
    ind = an.country_indicators(frame, population=pop)
    names = dict(zip(pop["code"].astype(str).str.upper(), pop.get("name", pop["code"])))
    patents = ind[["rank", "country", "documents", "population", "per_million"]].copy()
    patents.insert(2, "name", [names.get(str(c).upper(), "") for c in patents["country"]])
    apps = read_frame(store, "patent_applicants", years)
    cols = ["rank", "actor", "name", "country", "patents"]
    if apps.empty:
        return patents, pd.DataFrame(columns=cols), frame
    h = apps.groupby("actor").agg(name=("name", "first"), patents=("document", "nunique"))
    ctry = (pa_c.dropna(subset=["country"]).sort_values("country").groupby("actor")["country"]
            .agg(lambda s: ";".join(dict.fromkeys(s))))
    h["country"] = ctry.reindex(h.index)
    h = h.reset_index()
    h["_n"] = h["name"].astype(str)
    h = h.sort_values(["patents", "_n", "actor"], ascending=[False, True, True]).head(top)
    h.insert(0, "rank", np.arange(1, len(h) + 1))
    return patents, h[cols].reset_index(drop=True), frame


def top_institutions(store: Store, years: YearRange | None,
                     top: int = 30) -> pd.DataFrame:
    """``rank, institution, name, papers, country``: institutions by distinct papers
    (document-level and through the authors; ties by name); ``country`` from LOCATED_IN,
    else parsed from the name (:func:`~innograph.analysis.regions.country_of`)."""
    cols = ["rank", "institution", "name", "papers", "country"]
    f = actor_frame(store, "paper", years)
    if f.empty:
        return pd.DataFrame(columns=cols)
    g = f.groupby("actor").agg(name=("name", "first"), papers=("document", "nunique"))
    g = g.reset_index().rename(columns={"actor": "institution"})
    g["_n"] = g["name"].astype(str)
    g = g.sort_values(["papers", "_n", "institution"], ascending=[False, True, True]).head(top)
    c = actor_countries(store, "paper", years).sort_values("country")
    known = c.groupby("actor")["country"].agg(lambda s: ";".join(dict.fromkeys(s)))
    g["country"] = [known.get(i) or country_of(n if isinstance(n, str) else None)
                    for i, n in zip(g["institution"], g["name"])]
    g.insert(0, "rank", np.arange(1, len(g) + 1))
    return g[cols].reset_index(drop=True)
