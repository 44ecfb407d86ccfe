"""What every ``innograph analyze`` analysis shares: the named store queries read as frames,
the year bounds, the ``--ai-only`` scope, the result type and the output files.

- :func:`read_frame` runs one of :data:`QUERIES` (``graph.queries.ANALYSIS_QUERIES``: values
  as ``$parameters`` only, labels from ``graph.schema``) and returns a DataFrame with the
  query's columns; a year range may be open at either end (``innograph.years``).
- :func:`actor_frame`, :func:`actor_countries`, :func:`unit_frame` — documents with their
  applicants (patents) or institutions (papers), the actors' countries, and the unit
  (region or country) each actor row counts for.
- :func:`scoped` gives an analysis its ``ai_only`` keyword; :class:`AnalysisResult` is what
  every analysis returns; :func:`write_files` writes its tables (CSV) and figures (PNG);
  :func:`load_population` reads the shipped population table.
"""

from __future__ import annotations

import functools
import re
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import pandas as pd
from matplotlib.figure import Figure

from ...analysis import plots
from ...errors import BadInputError
from ...graph import queries
from ...graph.store import Store
from ...years import YearRange

POPULATION_CSV = Path(__file__).resolve().parents[2] / "data" / "population.csv"

#: --ai-only for the analysis running now (set by :func:`scoped`, read by :func:`read_frame`)
_AI_ONLY: ContextVar[bool] = ContextVar("innograph_analysis_ai_only", default=False)

#: Every store query of the analyses, by name (they live in ``graph.queries``).
QUERIES: dict[str, str] = queries.ANALYSIS_QUERIES

#: Columns of each query, so that an empty result still has them.
_COLUMNS = {name: re.findall(r"\bAS (\w+)", q) for name, q in QUERIES.items()}


@dataclass
class AnalysisResult:
    """What an analysis returns: its tables (``main`` is the one to print), the files it
    wrote, and a few headline figures."""

    tables: dict[str, pd.DataFrame]
    files: list[str]
    summary: dict[str, Any] = field(default_factory=dict)
    main: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"files": self.files, "summary": self.summary,
                "tables": {k: len(v) for k, v in self.tables.items()}}


def load_population(path: str | Path | None = None) -> pd.DataFrame:
    """The population table: ``code, name, population, year, source``.

    Default: ``innograph/data/population.csv`` (World Bank WDI SP.POP.TOTL, 2022, rounded
    to 3 significant figures; Taiwan from its Ministry of the Interior). Another CSV with
    at least ``code`` and ``population`` columns may replace it.
    """
    p = Path(path) if path else POPULATION_CSV
    if not p.exists():
        raise BadInputError(f"population table {p} not found", file=str(p))
    df = pd.read_csv(p, keep_default_na=False, na_values=[""])  # "NA" is Namibia
    missing = {"code", "population"} - set(df.columns)
    if missing:
        raise BadInputError(f"needs columns {sorted(missing)}", file=str(p))
    return df


def read_frame(store: Store, name: str, years: YearRange | None = None) -> pd.DataFrame:
    """Run query ``name`` of :data:`QUERIES` with the year bounds; a DataFrame with the
    query's columns even when no row matched.

    ``years``: ``(first, last)`` inclusive, either end ``None`` for open; ``None`` = every
    document (with or without a year). With an open end the query reads every year and the
    bound is applied here; as with two bounds, documents without a year are then left out.
    """
    lo, hi = years if years else (None, None)
    closed = (lo, hi) if lo is not None and hi is not None else None
    df = store.read_table(*queries.analysis(name, closed, ai_only_now())).to_pandas()
    for c in _COLUMNS[name]:
        if c not in df.columns:
            df[c] = pd.Series(dtype=object)
    if closed is None and (lo is not None or hi is not None):
        y = pd.to_numeric(df["year"], errors="coerce")
        keep = y.ge(lo) if lo is not None else y.le(hi)  # NaN compares False: no-year rows go
        df = df[keep].reset_index(drop=True)
        df["year"] = df["year"].astype("int64")
    return df


def close_years(years: YearRange | None, observed: Any) -> tuple[int, int] | None:
    """``years`` with an open end closed by the first / last of the ``observed`` years (the
    years of the documents read, already within ``years``); ``None`` stays ``None``. An open
    end with no observed year takes the other end: ``(2015, None)`` → ``(2015, 2015)``."""
    if years is None:
        return None
    lo, hi = years
    seen = pd.to_numeric(pd.Series(observed, dtype=object), errors="coerce").dropna()
    if lo is None:
        lo = int(seen.min()) if len(seen) else hi
    if hi is None:
        hi = int(seen.max()) if len(seen) else lo
    return int(lo), int(hi)


def year_list(years: YearRange | None, observed: Any) -> list[int]:
    """Every year of ``years`` (an open end closed by :func:`close_years`), or, for
    ``None``, the distinct ``observed`` years, ascending."""
    span = close_years(years, observed)
    if span is None:
        return sorted(int(y) for y in pd.Series(observed).dropna().unique())
    return list(range(span[0], span[1] + 1))


def ai_only_now() -> bool:
    """Whether the analysis running now reads only the documents labelled AI (``--ai-only``,
    set by :func:`scoped`)."""
    return _AI_ONLY.get()


def scoped(fn: Callable[..., AnalysisResult]) -> Callable[..., AnalysisResult]:
    """Give analysis ``fn`` the keyword ``ai_only`` (default False): when true, every document
    it reads is limited to those whose final AI label is AI (``pipeline.scope``; on Neo4j
    the networks then run in networkx, not GDS). The summary records ``ai_only``."""

    @functools.wraps(fn)
    def run(*args: Any, ai_only: bool = False, **kwargs: Any) -> AnalysisResult:
        token = _AI_ONLY.set(bool(ai_only))
        try:
            res = fn(*args, **kwargs)
        finally:
            _AI_ONLY.reset(token)
        res.summary["ai_only"] = bool(ai_only)
        return res

    return run


def write_files(out: str | Path, items: list[tuple[str, pd.DataFrame | Figure]]) -> list[str]:
    """Write each ``(file name, table or figure)`` of ``items`` into the folder ``out``
    (created with its parents when missing), in order: a DataFrame as CSV without its index,
    a matplotlib ``Figure`` as PNG (:func:`innograph.analysis.plots.save`). Returns the
    paths written, in the same order."""
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    files: list[str] = []
    for name, item in items:
        if isinstance(item, pd.DataFrame):
            item.to_csv(folder / name, index=False)
            files.append(str(folder / name))
        else:
            plots.save(item, folder / name, files)
    return files


def period_label(a: int | None, b: int | None) -> str:
    """``"all"`` for no bounds, ``"2015"`` for one year, else ``"2012-2014"``."""
    if a is None:
        return "all"
    return str(a) if a == b else f"{a}-{b}"


def actor_frame(store: Store, documents: str, years: YearRange | None) -> pd.DataFrame:
    """``document, year, actor, name, region`` for patents (applicants) or papers
    (institutions, document-level and through the authors)."""
    if documents == "patent":
        return read_frame(store, "patent_applicants", years)
    if documents == "paper":
        f = pd.concat([read_frame(store, "paper_institutions", years),
                       read_frame(store, "paper_author_institutions", years)],
                      ignore_index=True)
        return f.drop_duplicates(["document", "actor"]).reset_index(drop=True)
    raise BadInputError(f"documents must be 'patent' or 'paper', not {documents!r}")


def actor_countries(store: Store, documents: str, years: YearRange | None) -> pd.DataFrame:
    """``actor, country`` pairs of the actors of ``documents``."""
    if documents == "patent":
        f = read_frame(store, "patent_applicant_countries", years)
    else:
        f = pd.concat([read_frame(store, "paper_institution_countries", years),
                       read_frame(store, "paper_author_institution_countries", years)],
                      ignore_index=True)
    return f[["actor", "country"]].dropna().drop_duplicates()


def unit_frame(store: Store, by: str, documents: str, years: YearRange | None) -> pd.DataFrame:
    """``document, year, actor, unit``: every actor row, with the actor's region or
    country as ``unit`` (null when unknown; an actor in two countries gives two rows)."""
    f = actor_frame(store, documents, years)
    if by == "region":
        return f.assign(unit=f["region"])[["document", "year", "actor", "unit"]]
    if by == "country":
        c = actor_countries(store, documents, years).rename(columns={"country": "unit"})
        return f[["document", "year", "actor"]].merge(c, on="actor", how="left")
    raise BadInputError(f"--by must be 'region' or 'country', not {by!r}")
