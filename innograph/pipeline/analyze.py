"""The ``innograph analyze …`` commands: pull a frame from a store, analyse, write table + figure.

One function per analysis (docs/method.md §7). Each reads what it needs through
``store.read_table`` with the named queries of :data:`QUERIES` (Kùzu dialect, values as
``$parameters`` only, labels from ``graph.schema``), calls the pure functions of
``innograph.analysis``, writes CSV tables and one PNG figure per view into ``out``
(matplotlib, Agg canvas, no pyplot state) and returns an :class:`AnalysisResult` whose
``tables`` the CLI prints.

- :func:`analyze_cooperation` — documents, co-applied documents and cooperation degree per
  region (or country) and year; range, std, CV and locational Gini across regions per year.
- :func:`analyze_network` — the collaboration network of applicants / institutions /
  regions / countries per period: density, centralities, Burt's structural holes, Louvain.
- :func:`analyze_countries` — counts, per million population, mean citations and venue
  impact, composite Z; co-authorship flows; topic shares.
- :func:`analyze_cooccurrence` — keyword or IPC co-occurrence clusters and their top terms,
  overall and per year.

Neo4j: the queries below are written for Kùzu; the lead's ``dialect`` layer owns the Neo4j
forms. On Neo4j the applicant and institution networks' graph algorithms run in the
database through Graph Data Science (:mod:`innograph.graph.gds`: ``gds.graph.project`` of the
co-application projection, then ``gds.degree``, ``gds.betweenness``, ``gds.closeness``,
``gds.louvain`` / ``gds.leiden``, ``gds.wcc``); Burt's measures (GDS has none) and the region
/ country networks stay in networkx, as does everything on the embedded store.
"""

from __future__ import annotations

import functools
import re
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Literal

import networkx as nx
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from .. import analysis as an
from ..codes import ipc_level
from ..errors import BadInputError, InnographError
from ..graph import gds, queries
from ..graph.store import Store

POPULATION_CSV = Path(__file__).resolve().parent.parent / "data" / "population.csv"

#: --ai-only for the analysis running now (set by :func:`_scoped`, read by :func:`read_frame`)
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


# ------------------------------------------------------------------------ helpers
def parse_years(text: str | None) -> tuple[int, int] | None:
    """``"2012-2021"`` → (2012, 2021); ``"2015"`` → (2015, 2015); None/"" → None."""
    if text is None or not str(text).strip():
        return None
    m = re.fullmatch(r"\s*(\d{4})\s*(?:[-:–]\s*(\d{4}))?\s*", str(text))
    if not m:
        raise BadInputError(f"--years {text!r}: write A-B, e.g. 2012-2021, or one year")
    a, b = int(m.group(1)), int(m.group(2) or m.group(1))
    if b < a:
        raise BadInputError(f"--years {text!r}: the range ends before it starts")
    return a, b


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


def read_frame(store: Store, name: str, years: tuple[int, int] | None = None) -> pd.DataFrame:
    """Run query ``name`` of :data:`QUERIES` with the year bounds; a DataFrame with the
    query's columns even when no row matched."""
    df = store.read_table(*queries.analysis(name, years, _AI_ONLY.get())).to_pandas()
    for c in _COLUMNS[name]:
        if c not in df.columns:
            df[c] = pd.Series(dtype=object)
    return df


def _scoped(fn: Callable[..., AnalysisResult]) -> Callable[..., AnalysisResult]:
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


def _out_dir(out: str | Path) -> Path:
    p = Path(out)
    p.mkdir(parents=True, exist_ok=True)
    return p


def _write_csv(df: pd.DataFrame, path: Path, files: list[str]) -> None:
    df.to_csv(path, index=False)
    files.append(str(path))


def _save(fig: Figure, path: Path, files: list[str]) -> None:
    fig.savefig(path, dpi=120, bbox_inches="tight")
    files.append(str(path))


def _period_label(a: int | None, b: int | None) -> str:
    if a is None:
        return "all"
    return str(a) if a == b else f"{a}-{b}"


def _actor_frame(store: Store, documents: str, years: tuple[int, int] | None) -> pd.DataFrame:
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


def _actor_countries(store: Store, documents: str,
                     years: tuple[int, int] | None) -> pd.DataFrame:
    """``actor, country`` pairs of the actors of ``documents``."""
    if documents == "patent":
        f = read_frame(store, "patent_applicant_countries", years)
    else:
        f = pd.concat([read_frame(store, "paper_institution_countries", years),
                       read_frame(store, "paper_author_institution_countries", years)],
                      ignore_index=True)
    return f[["actor", "country"]].dropna().drop_duplicates()


def _unit_frame(store: Store, by: str, documents: str,
                years: tuple[int, int] | None) -> pd.DataFrame:
    """``document, year, actor, unit``: every actor row, with the actor's region or
    country as ``unit`` (null when unknown; an actor in two countries gives two rows)."""
    f = _actor_frame(store, documents, years)
    if by == "region":
        return f.assign(unit=f["region"])[["document", "year", "actor", "unit"]]
    if by == "country":
        c = _actor_countries(store, documents, years).rename(columns={"country": "unit"})
        return f[["document", "year", "actor"]].merge(c, on="actor", how="left")
    raise BadInputError(f"--by must be 'region' or 'country', not {by!r}")


# ====================================================================== cooperation
@_scoped
def analyze_cooperation(store: Store,
                        by: Literal["region", "country", "province", "state"] = "region",
                        years: tuple[int, int] | None = None, out: str | Path = ".",
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
    (:func:`_analyze_cooperation_units`).
    """
    if by in ("province", "state"):
        return _analyze_cooperation_units(store, by, years, out, documents, types,
                                          measure if measure != "co_documents" or not types
                                          else "iur")
    frame = _unit_frame(store, by, documents, years)
    out_p = _out_dir(out)
    files: list[str] = []
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
    year_list = (list(range(years[0], years[1] + 1)) if years
                 else sorted(int(y) for y in per_year["year"].unique()))
    diffs = an.regional_differences(per_year, value=measure, units=units, years=year_list)
    tag = f"cooperation_{by}"
    _write_csv(ranking, out_p / f"{tag}.csv", files)
    _write_csv(per_year, out_p / f"{tag}_years.csv", files)
    _write_csv(diffs, out_p / f"{tag}_differences.csv", files)
    _save(_fig_cooperation(ranking.iloc[:-1], diffs, by, measure), out_p / f"{tag}.png", files)
    summary = {"units": len(units), "documents": n_all, "co_documents": n_co,
               "degree": an.cooperation_degree(n_co, n_all) if n_all else float("nan"),
               "years": [year_list[0], year_list[-1]] if year_list else None}
    return AnalysisResult({"ranking": ranking, "by_year": per_year, "differences": diffs},
                          files, summary, main="ranking")


def _fig_cooperation(ranking: pd.DataFrame, diffs: pd.DataFrame, by: str,
                     measure: str) -> Figure:
    fig = Figure(figsize=(13, 4.2))
    ax1, ax2, ax3 = fig.subplots(1, 3)
    r = ranking.dropna(subset=["degree"]).head(40)
    ax1.barh(r["unit"].astype(str)[::-1], 100 * r["degree"][::-1], color="#4C72B0")
    ax1.set_xlabel("cooperation degree (%)")
    ax1.set_title(f"Cooperation degree by {by}")
    ax1.tick_params(axis="y", labelsize=7)
    _plot_differences(ax2, ax3, diffs, f"{by}s", f"{measure} per {by} and year")
    fig.tight_layout()
    return fig


def _plot_differences(ax2: Any, ax3: Any, diffs: pd.DataFrame, across: str, what: str) -> None:
    """Range and sample std (absolute), CV and locational Gini (relative) per year."""
    if len(diffs):
        ax2.plot(diffs["year"], diffs["range"], "o-", label="range")
        ax2.plot(diffs["year"], diffs["std"], "s-", label="sample std")
        ax2.legend()
        ax3.plot(diffs["year"], diffs["cv"], "o-", label="coefficient of variation")
        ax3.plot(diffs["year"], diffs["gini"], "s-", label="locational Gini")
        ax3.legend()
    for ax, title in ((ax2, "Absolute difference"), (ax3, "Relative difference")):
        ax.set_title(f"{title} across {across}\n({what})", fontsize=10)
        ax.set_xlabel("year")
        ax.xaxis.get_major_locator().set_params(integer=True)


# ============================================================ typed cooperation (issue 16)
def applicant_table(store: Store, documents: str, years: tuple[int, int] | None,
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
    from ..analysis import applicants as ap
    from ..analysis import regions as rg

    units = set(_fixed_units(scheme))
    home = "CN" if scheme == "province" else "US"
    f = _actor_frame(store, documents, years)
    n_docs = f.groupby("actor")["document"].nunique()
    a = f.drop_duplicates("actor")[["actor", "name", "region"]].reset_index(drop=True)
    c = _actor_countries(store, documents, years).sort_values(["actor", "country"])
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


def _fixed_units(scheme: str) -> tuple[str, ...]:
    from ..analysis import regions as rg

    if scheme == "province":
        return rg.MAINLAND_PROVINCES
    if scheme == "state":
        return rg.US_STATES
    raise BadInputError(f"--by must be region, country, province or state, not {scheme!r}")


def _analyze_cooperation_units(store: Store, scheme: Literal["province", "state"],
                               years: tuple[int, int] | None, out: str | Path,
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
    from ..analysis import cooperation as co

    if measure not in ("co_documents", "documents", "degree", "iur"):
        raise BadInputError(f"--measure must be co_documents, documents, degree or iur, "
                            f"not {measure!r}")
    if measure == "iur" and not types:
        raise BadInputError("--measure iur needs --types")
    units = _fixed_units(scheme)
    apps = applicant_table(store, documents, years, scheme)
    f = _actor_frame(store, documents, years)[["document", "year", "actor"]]
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
    year_list = (list(range(years[0], years[1] + 1)) if years
                 else sorted(int(y) for y in per_year["year"].unique()))
    diffs = co.differences_over_units(per_year, units, year_list, value=measure)
    out_p = _out_dir(out)
    files: list[str] = []
    tag = f"cooperation_{scheme}"
    _write_csv(ranking, out_p / f"{tag}.csv", files)
    _write_csv(per_year, out_p / f"{tag}_years.csv", files)
    _write_csv(diffs, out_p / f"{tag}_differences.csv", files)
    _write_csv(apps, out_p / f"{tag}_applicants.csv", files)
    _save(_fig_cooperation_typed(ranking.iloc[:-1], diffs, scheme, measure, types),
          out_p / f"{tag}.png", files)
    summary = {"units": len(units), "documents": int(total["documents"]),
               "co_documents": int(total["co_documents"]),
               "applicants": len(apps), "applicants_placed": int(apps["unit"].notna().sum()),
               "applicants_foreign": int(apps["foreign"].sum()),
               "applicant_types": {k: int(v) for k, v in apps["type"].value_counts().items()},
               "years": [year_list[0], year_list[-1]] if year_list else None}
    if types:
        summary["iur"] = int(total["iur"])
    return AnalysisResult({"ranking": ranking, "by_year": per_year, "differences": diffs,
                           "applicants": apps}, files, summary, main="ranking")


def _fig_cooperation_typed(ranking: pd.DataFrame, diffs: pd.DataFrame, by: str,
                           measure: str, types: bool) -> Figure:
    from ..analysis.applicants import COOPERATION_TYPES

    fig = Figure(figsize=(13, 6))
    ax1, ax2, ax3 = fig.subplots(1, 3)
    r = ranking.sort_values("documents", ascending=False).head(40)[::-1]
    lab = r["unit"].astype(str)
    if types:
        left = np.zeros(len(r))
        for t, col in zip(COOPERATION_TYPES, ("#4C72B0", "#55A868", "#C44E52", "#8172B2")):
            v = r[t].to_numpy(dtype=float)
            ax1.barh(lab, v, left=left, color=col, label=t)
            left += v
        ax1.legend(fontsize=8)
        ax1.set_xlabel("IUR cooperative documents")
        ax1.set_title(f"IUR cooperation by type and {by}")
    else:
        ax1.barh(lab, 100 * r["degree"].fillna(0), color="#4C72B0")
        ax1.set_xlabel("cooperation degree (%)")
        ax1.set_title(f"Cooperation degree by {by}")
    ax1.tick_params(axis="y", labelsize=7)
    _plot_differences(ax2, ax3, diffs, f"{len(ranking)} {by}s", f"{measure} per year")
    fig.tight_layout()
    return fig


# ========================================================================== network
_NODE_KINDS = ("applicant", "institution", "country", "region")


@_scoped
def analyze_network(store: Store,
                    nodes: Literal["applicant", "institution", "country", "region"] = "applicant",
                    years: tuple[int, int] | None = None, window: int | None = None,
                    out: str | Path = ".", documents: Literal["patent", "paper"] | None = None,
                    seed: int = 0, resolution: float = 1.0,
                    distance: Literal["hops", "inverse_weight"] = "hops",
                    max_draw: int = 60, betweenness_k: int | None = None) -> AnalysisResult:
    """The collaboration network and its measures, for the whole span or per window.

    Nodes: applicants (patents), institutions (papers), or the regions / countries of
    either (``documents``; default patents, papers for institutions). Edge weight: shared
    documents. ``window`` splits the years (``years`` or the data's span) into
    consecutive windows of that many years (:func:`~innograph.analysis.networks.year_windows`); documents
    without a year are only in the whole-span network.

    Writes ``network_<nodes>.csv`` (one row per period: nodes, edges, density,
    components, communities, modularity), ``network_<nodes>_nodes.csv`` (per period and
    node: degree, strength, centralities, effective size, constraint, community) and
    ``network_<nodes>.png`` (the last period's network, its ``max_draw`` strongest nodes,
    coloured by community; with windows, density and size per period beside it).
    ``betweenness_k`` samples betweenness sources for large networks (see
    :func:`~innograph.analysis.networks.network_metrics`).
    """
    if nodes not in _NODE_KINDS:
        raise BadInputError(f"--nodes must be one of {', '.join(_NODE_KINDS)}, not {nodes!r}")
    docs = documents or ("paper" if nodes == "institution" else "patent")
    if (nodes, docs) in (("applicant", "paper"), ("institution", "patent")):
        raise BadInputError(f"{nodes} nodes come from {'patents' if docs == 'paper' else 'papers'}")
    if nodes in ("applicant", "institution"):
        f = _actor_frame(store, docs, years)
        names = dict(f.dropna(subset=["name"]).drop_duplicates("actor")[["actor", "name"]]
                     .itertuples(index=False, name=None))
    else:
        f = _unit_frame(store, nodes, docs, years).drop(columns="actor").rename(
            columns={"unit": "actor"})
        names = None
    out_p = _out_dir(out)
    files: list[str] = []
    if window is None:
        periods: list[tuple[int | None, int | None]] = (
            [(years[0], years[1])] if years else [(None, None)])
    else:
        ys = f["year"].dropna()
        if years is None and ys.empty:
            raise InnographError("no document has a year: --window needs years")
        lo, hi = years if years else (int(ys.min()), int(ys.max()))
        periods = list(an.year_windows(lo, hi, window))
    summaries, node_tables, last_G = [], [], nx.Graph()
    for a, b in periods:
        fp = f if a is None else f[(f["year"] >= a) & (f["year"] <= b)]
        G = an.collaboration_network(fp, names=names)
        if (store.kind == "neo4j" and nodes in ("applicant", "institution") and gds.enabled()
                and not _AI_ONLY.get()):
            s, nd = gds.network_metrics(store, G, nodes, (a, b), seed=seed, distance=distance,
                                        resolution=resolution, betweenness_k=betweenness_k)
        else:
            s, nd = an.network_metrics(G, seed=seed, resolution=resolution, distance=distance,
                                       betweenness_k=betweenness_k)
        label = _period_label(a, b)
        summaries.append({"period": label, "documents": fp["document"].nunique(), **s})
        node_tables.append(nd.assign(period=label))
        last_G = G
    summary_df = pd.DataFrame(summaries)
    nodes_df = pd.concat(node_tables, ignore_index=True) if node_tables else pd.DataFrame()
    if len(nodes_df):
        nodes_df = nodes_df[["period"] + [c for c in nodes_df.columns if c != "period"]]
    tag = f"network_{nodes}"
    _write_csv(summary_df, out_p / f"{tag}.csv", files)
    _write_csv(nodes_df, out_p / f"{tag}_nodes.csv", files)
    last_nodes = node_tables[-1] if node_tables else pd.DataFrame()
    _save(_fig_network(last_G, last_nodes, summary_df, nodes, max_draw, seed),
          out_p / f"{tag}.png", files)
    return AnalysisResult({"summary": summary_df, "nodes": nodes_df}, files,
                          summaries[-1] if summaries else {}, main="summary")


def _draw_graph(ax: Any, G: nx.Graph, member: dict[Any, int], size_attr: str,
                labels: dict[Any, str], seed: int) -> None:
    if G.number_of_nodes() == 0:
        ax.text(0.5, 0.5, "no nodes", ha="center", va="center")
        ax.set_axis_off()
        return
    if G.number_of_edges():  # isolated nodes would squeeze the layout: leave them out
        G = G.subgraph([u for u in G if G.degree(u) > 0])
        labels = {u: t for u, t in labels.items() if u in G}  # and their labels with them
    pos = nx.spring_layout(G, seed=seed, weight="weight", k=2.0 / np.sqrt(G.number_of_nodes()))
    sizes = np.array([float(G.nodes[u].get(size_attr, 1) or 1) for u in G])
    sizes = 60 + 540 * sizes / sizes.max()
    ws = np.array([float(d.get("weight", 1)) for _, _, d in G.edges(data=True)] or [1.0])
    cmap = __import__("matplotlib").colormaps["tab20"]
    colors = [cmap(member.get(u, 0) % 20) for u in G]
    nx.draw_networkx_edges(G, pos, ax=ax, width=0.5 + 3.5 * ws / ws.max(), alpha=0.35)
    nx.draw_networkx_nodes(G, pos, ax=ax, node_size=sizes, node_color=colors,
                           linewidths=0.5, edgecolors="white")
    nx.draw_networkx_labels(G, pos, labels=labels, ax=ax, font_size=7)
    ax.set_axis_off()


def _short(s: Any, n: int = 22) -> str:
    s = str(s)
    return s if len(s) <= n else s[: n - 1] + "…"


def _fig_network(G: nx.Graph, nd: pd.DataFrame, summary: pd.DataFrame, nodes: str,
                 max_draw: int, seed: int) -> Figure:
    windows = len(summary) > 1
    fig = Figure(figsize=(14 if windows else 9, 7.5))
    ax = fig.add_subplot(1, 2 if windows else 1, 1)
    keep = list(nd["node"].head(max_draw)) if len(nd) else []
    H = G.subgraph(keep)
    member = dict(zip(nd["node"], nd["community"])) if len(nd) else {}
    name = nx.get_node_attributes(G, "name")
    labels = {u: _short(name.get(u, u)) for u in H}
    _draw_graph(ax, H, member, "documents", labels, seed)
    period = summary["period"].iloc[-1] if len(summary) else ""
    n = G.number_of_nodes()
    shown = f" (strongest {len(keep)} of {n})" if n > len(keep) else ""
    ax.set_title(f"{nodes} collaboration network, {period}{shown}")
    if windows:
        ax2 = fig.add_subplot(1, 2, 2)
        ax2.plot(summary["period"], summary["density"], "o-", color="#C44E52", label="density")
        ax2.set_ylabel("density")
        ax2.set_xlabel("period")
        ax3 = ax2.twinx()
        ax3.bar(summary["period"], summary["nodes"], alpha=0.25, label="nodes")
        ax3.set_ylabel("nodes")
        ax2.set_title("density and size per period")
        ax2.tick_params(axis="x", rotation=45)
    fig.tight_layout()
    return fig


# ======================================================================== countries
def split_affiliations(text: Any) -> list[str]:
    """The items of a stored affiliation text: a Python / JSON list (``"['MIT', 'a@b.edu']"``,
    the arXiv 2023 listing) or free text split on ``;``, ``|`` and new lines (DeepDiveAI
    "Affiliations"). Unparsable list text is split as free text."""
    if not isinstance(text, str) or not text.strip():
        return []
    t = text.strip()
    if t.startswith("[") and t.endswith("]"):
        import ast
        import json

        for parse in (json.loads, ast.literal_eval):
            try:
                v = parse(t)
            except (ValueError, SyntaxError, TypeError):
                continue
            if isinstance(v, list):
                return [str(x).strip() for x in v if str(x).strip()]
    return [x.strip() for x in re.split(r"[;|\n]", t) if x.strip()]


def parsed_paper_countries(store: Store, years: tuple[int, int] | None) -> pd.DataFrame:
    """``document, year, country, source``: countries parsed by
    :func:`innograph.analysis.regions.country_of` from each paper's ``affiliations_text``
    items (``source='affiliations'``) and from the names of its institutions, document-level
    and through its authors (``source='institution'``)."""
    from ..analysis.regions import country_of

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


def _paper_countries(store: Store, years: tuple[int, int] | None,
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


def _paper_topics(store: Store, topics: str, years: tuple[int, int] | None) -> pd.DataFrame:
    if topics == "keyword":
        return read_frame(store, "paper_keywords", years).rename(columns={"term": "topic"})
    if topics == "category":
        c = read_frame(store, "paper_categories", years)
        c = c.assign(topic=c["categories"].astype(str).str.split()).explode("topic")
        return c[["document", "year", "topic"]].dropna()
    raise BadInputError(f"topics must be 'keyword' or 'category', not {topics!r}")


@_scoped
def analyze_countries(store: Store, out: str | Path = ".",
                      population: pd.DataFrame | str | Path | None = None,
                      years: tuple[int, int] | None = None, top: int | None = 30,
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
    out_p = _out_dir(out)
    files: list[str] = []
    _write_csv(ind, out_p / "countries.csv", files)
    _write_csv(flows, out_p / "countries_flows.csv", files)
    _write_csv(shares, out_p / "countries_topics.csv", files)
    _save(_fig_countries(ind), out_p / "countries.png", files)
    _save(_fig_flows(flows), out_p / "countries_flows.png", files)
    patents, holders, pat_c = patent_country_tables(store, years, pop, top_list)
    series = country_year_series(pc, pat_c)
    journals = top_journals(read_frame(store, "paper_venues", years), top_list)
    insts = top_institutions(store, years, top_list)
    _write_csv(patents, out_p / "countries_patents.csv", files)
    _write_csv(holders, out_p / "countries_holders.csv", files)
    _write_csv(series, out_p / "countries_years.csv", files)
    _write_csv(journals, out_p / "countries_journals.csv", files)
    _write_csv(insts, out_p / "countries_institutions.csv", files)
    _save(_fig_country_years(series, top_series), out_p / "countries_years.png", files)
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


def patent_country_tables(store: Store, years: tuple[int, int] | None, pop: pd.DataFrame,
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


def top_institutions(store: Store, years: tuple[int, int] | None,
                     top: int = 30) -> pd.DataFrame:
    """``rank, institution, name, papers, country``: institutions by distinct papers
    (document-level and through the authors; ties by name); ``country`` from LOCATED_IN,
    else parsed from the name (:func:`~innograph.analysis.regions.country_of`)."""
    from ..analysis.regions import country_of

    cols = ["rank", "institution", "name", "papers", "country"]
    f = _actor_frame(store, "paper", years)
    if f.empty:
        return pd.DataFrame(columns=cols)
    g = f.groupby("actor").agg(name=("name", "first"), papers=("document", "nunique"))
    g = g.reset_index().rename(columns={"actor": "institution"})
    g["_n"] = g["name"].astype(str)
    g = g.sort_values(["papers", "_n", "institution"], ascending=[False, True, True]).head(top)
    c = _actor_countries(store, "paper", years).sort_values("country")
    known = c.groupby("actor")["country"].agg(lambda s: ";".join(dict.fromkeys(s)))
    g["country"] = [known.get(i) or country_of(n if isinstance(n, str) else None)
                    for i, n in zip(g["institution"], g["name"])]
    g.insert(0, "rank", np.arange(1, len(g) + 1))
    return g[cols].reset_index(drop=True)


def _fig_country_years(series: pd.DataFrame, top: int = 10) -> Figure:
    fig = Figure(figsize=(13, 4.8))
    axes = fig.subplots(1, 2)
    for ax, kind in zip(axes, ("paper", "patent")):
        s = series[series["kind"] == kind]
        ax.set_title(f"{kind}s per year, top {top} countries")
        ax.set_xlabel("year")
        ax.set_ylabel(f"{kind}s")
        if s.empty:
            ax.text(0.5, 0.5, f"no {kind}s with a country", ha="center", va="center",
                    transform=ax.transAxes)
            continue
        tot = s.groupby("country")["documents"].sum()
        keep = sorted(tot.index, key=lambda c: (-tot[c], str(c)))[:top]
        for c in keep:
            x = s[s["country"] == c].sort_values("year")
            ax.plot(x["year"], x["documents"], "o-", label=str(c), markersize=3)
        ax.legend(fontsize=7, ncol=2)
        ax.xaxis.get_major_locator().set_params(integer=True)
    fig.tight_layout()
    return fig


def _fig_countries(ind: pd.DataFrame) -> Figure:
    fig = Figure(figsize=(14, 5))
    axes = fig.subplots(1, 3)
    d = ind.head(30)
    lab = d["country"].astype(str)
    for ax, col, title in ((axes[0], "documents", "papers"),
                           (axes[1], "per_million", "papers per million population"),
                           (axes[2], "z", "composite impact Z")):
        v = pd.to_numeric(d[col], errors="coerce")
        ax.barh(lab[::-1], v[::-1].fillna(0), color="#55A868")
        ax.set_title(title)
        if v.isna().all():
            ax.text(0.5, 0.5, "no data" + (" (needs citations and venue impact)"
                                           if col == "z" else " (no population)"),
                    ha="center", va="center", transform=ax.transAxes, fontsize=9)
        ax.tick_params(axis="y", labelsize=7)
    fig.tight_layout()
    return fig


def _fig_flows(flows: pd.DataFrame, max_sources: int = 6, max_targets: int = 12) -> Figure:
    """A two-column flow (Sankey-style) diagram: first-author countries on the left,
    co-author countries on the right, band widths ∝ papers."""
    fig = Figure(figsize=(9, 7))
    ax = fig.add_subplot(1, 1, 1)
    ax.set_axis_off()
    if flows.empty:
        ax.text(0.5, 0.5, "no co-authorship flows (no first author known, or none abroad)",
                ha="center", va="center")
        return fig
    srcs = list(dict.fromkeys(flows["source"]))[:max_sources]
    f = flows[flows["source"].isin(srcs)].copy()
    tot_t = f.groupby("target")["documents"].sum().sort_values(ascending=False)
    tops = list(tot_t.index[:max_targets])
    f["target"] = f["target"].where(f["target"].isin(tops), "other")
    f = f.groupby(["source", "target"], sort=False)["documents"].sum().reset_index()
    tgts = tops + (["other"] if "other" in set(f["target"]) else [])
    total = float(f["documents"].sum())
    gap = 0.02 * total

    def blocks(keys: list[Any], sizes: pd.Series) -> dict[Any, float]:
        y, out = 0.0, {}
        for k in keys:
            out[k] = y
            y += float(sizes.get(k, 0)) + gap
        return out

    s_size = f.groupby("source")["documents"].sum()
    t_size = f.groupby("target")["documents"].sum()
    s_y, t_y = blocks(srcs, s_size), blocks(tgts, t_size)
    s_off, t_off = dict(s_y), dict(t_y)
    cmap = __import__("matplotlib").colormaps["tab10"]
    x = np.linspace(0, 1, 60)
    smooth = 3 * x**2 - 2 * x**3
    for i, s in enumerate(srcs):
        for t in tgts:
            w = f[(f["source"] == s) & (f["target"] == t)]["documents"].sum()
            if not w:
                continue
            yl, yr = s_off[s], t_off[t]
            s_off[s] += w
            t_off[t] += w
            lo = yl + (yr - yl) * smooth
            ax.fill_between(0.1 + 0.8 * x, lo, lo + w, color=cmap(i % 10), alpha=0.45, lw=0)
    for k, y in s_y.items():
        ax.fill_between([0.07, 0.1], y, y + s_size.get(k, 0), color="0.3")
        ax.text(0.06, y + s_size.get(k, 0) / 2, f"{k} ({int(s_size.get(k, 0))})",
                ha="right", va="center", fontsize=9)
    for k, y in t_y.items():
        ax.fill_between([0.9, 0.93], y, y + t_size.get(k, 0), color="0.3")
        ax.text(0.94, y + t_size.get(k, 0) / 2, f"{k} ({int(t_size.get(k, 0))})",
                ha="left", va="center", fontsize=9)
    ax.invert_yaxis()
    ax.set_xlim(-0.15, 1.15)
    ax.set_title("Co-authorship flows: first-author country → co-author countries (papers)")
    return fig


# ==================================================================== co-occurrence
def _ipc_level(code: Any, level: str) -> Any:
    """``G06N 3/04`` (any written form, ``innograph.codes``) at ``subclass`` → ``G06N``, at
    ``group`` → ``G06N 3``, ``full`` → ``G06N 3/04``; text that is not an IPC/CPC code is
    returned as given."""
    if not isinstance(code, str):
        return code
    return ipc_level(code, level) or code  # type: ignore[arg-type]


@_scoped
def analyze_cooccurrence(store: Store, of: Literal["keyword", "ipc"] = "keyword",
                         years: tuple[int, int] | None = None, out: str | Path = ".",
                         documents: Literal["both", "paper", "patent"] = "both",
                         per_year: bool = True, min_count: int = 1,
                         max_terms: int | None = 100, top: int = 10, seed: int = 0,
                         resolution: float = 1.0,
                         ipc_level: Literal["subclass", "group", "full"] = "subclass"
                         ) -> AnalysisResult:
    """Co-occurrence clusters of keywords or IPC codes, overall and per year.

    Terms: ``Keyword`` names of papers and/or patents (``documents``), or the IPC codes of
    patents (and papers, with ``documents='both'``) cut to ``ipc_level``. For the whole
    span and, with ``per_year``, for each year: the co-occurrence network of the
    ``max_terms`` most frequent terms found in at least ``min_count`` documents, its
    Louvain clusters (``seed``, ``resolution``) and the ``top`` terms per cluster.

    Writes ``cooccurrence_<of>.csv`` (period, cluster, rank, term, count),
    ``cooccurrence_<of>_clusters.csv`` (every term's cluster per period),
    ``cooccurrence_<of>_edges.csv`` (whole-span weighted edges) and
    ``cooccurrence_<of>.png`` (the whole-span network coloured by cluster).
    """
    if of == "keyword":
        names = {"paper": ["paper_keywords"], "patent": ["patent_keywords"],
                 "both": ["paper_keywords", "patent_keywords"]}
    elif of == "ipc":
        names = {"paper": ["paper_ipc"], "patent": ["patent_ipc"],
                 "both": ["patent_ipc", "paper_ipc"]}
    else:
        raise BadInputError(f"--of must be 'keyword' or 'ipc', not {of!r}")
    if documents not in names:
        raise BadInputError(f"documents must be one of {sorted(names)}, not {documents!r}")
    f = pd.concat([read_frame(store, n, years) for n in names[documents]], ignore_index=True)
    if of == "ipc":
        f["term"] = [_ipc_level(c, ipc_level) for c in f["term"]]
    f = f.dropna(subset=["term"]).drop_duplicates(["document", "term"])
    periods: list[tuple[str, pd.DataFrame]] = [("all", f)]
    if per_year:
        for y in sorted(f["year"].dropna().unique()):
            periods.append((str(int(y)), f[f["year"] == y]))
    tops, clusters, rows = [], [], []
    whole_G, whole_cl = nx.Graph(), pd.DataFrame()
    for label, fp in periods:
        G = an.cooccurrence_network(fp, min_count=min_count, max_terms=max_terms)
        cl = an.cooccurrence_clusters(G, seed=seed, resolution=resolution)
        tt = an.top_terms(cl, n=top)
        tops.append(tt.assign(period=label))
        clusters.append(cl.assign(period=label))
        comms = [set(g["term"]) for _, g in cl.groupby("cluster")] if len(cl) else []
        rows.append({"period": label, "documents": fp["document"].nunique(),
                     "terms": G.number_of_nodes(), "edges": G.number_of_edges(),
                     "clusters": len(comms),
                     "modularity": (nx.community.modularity(G, comms, weight="weight")
                                    if G.number_of_edges() else float("nan"))})
        if label == "all":
            whole_G, whole_cl = G, cl
    top_df = pd.concat(tops, ignore_index=True)
    top_df = top_df[["period", "cluster", "rank", "term", "count"]]
    cl_df = pd.concat(clusters, ignore_index=True)
    cl_df = cl_df[["period", "term", "cluster", "count", "strength"]]
    edges = pd.DataFrame([(u, v, d["weight"]) for u, v, d in whole_G.edges(data=True)],
                         columns=["source", "target", "weight"]).sort_values(
        ["weight", "source", "target"], ascending=[False, True, True])
    out_p = _out_dir(out)
    files: list[str] = []
    tag = f"cooccurrence_{of}"
    _write_csv(top_df, out_p / f"{tag}.csv", files)
    _write_csv(cl_df, out_p / f"{tag}_clusters.csv", files)
    _write_csv(edges, out_p / f"{tag}_edges.csv", files)
    member = dict(zip(whole_cl["term"], whole_cl["cluster"])) if len(whole_cl) else {}
    fig = Figure(figsize=(10, 8))
    ax = fig.add_subplot(1, 1, 1)
    keep = [t for t in whole_cl["term"]] if len(whole_cl) else []
    H = whole_G.subgraph(sorted(keep, key=lambda t: -whole_G.nodes[t]["count"])[:80])
    _draw_graph(ax, H, member, "count", {t: _short(t) for t in H}, seed)
    ax.set_title(f"{of} co-occurrence clusters ({H.number_of_nodes()} most frequent terms)")
    _save(fig, out_p / f"{tag}.png", files)
    summary_df = pd.DataFrame(rows)
    return AnalysisResult({"top_terms": top_df, "clusters": cl_df, "summary": summary_df,
                           "edges": edges}, files, rows[0], main="top_terms")
