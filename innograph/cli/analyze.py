"""``innograph analyze …``: the analyses researchers run on the graph (docs/method.md §7) —
cooperation, collaboration networks, countries, co-occurrence. Each writes CSV tables and a
PNG figure into ``--out`` and prints its main table."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import typer

from ..pipeline.scope import AI_ONLY_HELP
from .choices import (ActorDocuments, CooccurrenceDocuments, CooccurrenceOf, CooperationBy,
                      CountrySource, Counting, Distance, Format, IpcLevel, Measure, NetworkNodes,
                      Topics, parse_years_option, value, years_text)
from .common import DbOption, console, fail, open_db, print_table, user_errors

analyze_app = typer.Typer(
    help="Analyses researchers run on the graph (docs/method.md §7). Each writes CSV tables and "
         "a PNG figure into --out and prints the main table.\n\n"
         "Example: innograph analyze cooperation --by region --years 2012-2021 --out results",
    no_args_is_help=True)


def _years_option(example: str) -> Any:
    return typer.Option(None, "--years", parser=parse_years_option,
                        help=f"A-B (e.g. {example}), A- or -B (open ends) or one year")


OutOption = typer.Option(Path("analysis"), "--out", help="folder for CSV + PNG")
FormatOption = typer.Option("table", "--format", help="table | csv | json")
AiOnlyOption = typer.Option(False, "--ai-only", help=AI_ONLY_HELP)


def _df_rows(df: Any, limit: Optional[int] = None) -> list[dict[str, Any]]:
    """DataFrame → rows for print_table (NaN / NA → None)."""
    import pandas as pd

    d = df if limit is None else df.head(limit)
    return d.astype(object).where(pd.notna(d), None).to_dict("records")


def _show(res: Any, fmt: Format, names: list[tuple[str, str, Optional[int]]]) -> None:
    for key, title, limit in names:
        print_table(_df_rows(res.tables[key], limit), fmt, title)
    for f in res.files:
        console.print(f"wrote {f}")


def _nothing_analysed(res: Any, needs: str, years: Optional[tuple[Optional[int], Optional[int]]]) -> None:
    """Exit 1 with the reason when an analysis found no document to work on (its files
    then hold empty tables): the user asked about something the store does not hold."""
    s = res.summary
    if s.get("documents", s.get("papers", 1)) == 0 or s.get("terms", 1) == 0:
        where = f" in the years {years_text(years)}" if years else ""
        fail(f"nothing to analyse: the store has no {needs}{where} (the files above hold "
             "empty tables)", 1)


@analyze_app.command("cooperation")
@user_errors()
def analyze_cooperation_cmd(
    by: CooperationBy = typer.Option("region", "--by", help="region | country | province (31 "
                                     "mainland Chinese) | state (US)"),
    types: bool = typer.Option(False, "--types", help="with --by province|state: applicant "
                               "types and I-U / I-R / U-R / I-U-R cooperation"),
    years: Optional[Any] = _years_option("2012-2021"),
    ai_only: bool = AiOnlyOption,
    documents: ActorDocuments = typer.Option("patent", "--documents",
                                             help="patent (applicants) | paper (institutions)"),
    measure: Measure = typer.Option("co_documents", "--measure",
                                    help="what the differences measure: co_documents | "
                                    "documents | degree | iur (default iur with --types)"),
    out_dir: Path = OutOption,
    fmt: Format = FormatOption,
    db: Optional[str] = DbOption,
) -> None:
    """Cooperation degree (co-applied / all documents) per region and year, and its range,
    sample std, coefficient of variation and locational Gini across regions per year.

    Example: innograph analyze cooperation --by region --years 2012-2021 --out results
    Example: innograph analyze cooperation --by province --types --years 2012-2021
    """
    from ..pipeline.analyze import analyze_cooperation

    with open_db(db, read_only=True) as store:
        res = analyze_cooperation(store, by=by.value, years=years, ai_only=ai_only, out=out_dir,
                                  documents=documents.value, measure=measure.value, types=types)
    _show(res, fmt, [("ranking", f"cooperation degree by {by.value}", None),
                     ("differences", f"differences across {by.value}s per year", None)])
    if "applicants" in res.tables:
        s = res.summary
        console.print(f"applicants {s['applicants']}: placed in a {by.value} "
                      f"{s['applicants_placed']}, foreign {s['applicants_foreign']}, types "
                      f"{s['applicant_types']}")
    actors = "applicants" if documents.value == "patent" else "institutions"
    _nothing_analysed(res, f"{documents.value}s whose {actors} have a {by.value}", years)


@analyze_app.command("network")
@user_errors()
def analyze_network_cmd(
    nodes: NetworkNodes = typer.Option("applicant", "--nodes",
                                       help="applicant | institution | country | region"),
    years: Optional[Any] = _years_option("2012-2021"),
    ai_only: bool = AiOnlyOption,
    window: Optional[int] = typer.Option(None, "--window",
                                         help="split the years into windows of N years"),
    documents: Optional[ActorDocuments] = typer.Option(
        None, "--documents", help="patent | paper (default: papers for institutions, else patents)"),
    distance: Distance = typer.Option("hops", "--distance",
                                      help="hops | inverse_weight (betweenness, closeness)"),
    sample: Optional[int] = typer.Option(None, "--sample-betweenness",
                                         help="estimate betweenness from K sources (big graphs)"),
    seed: int = typer.Option(0, "--seed", help="Louvain / sampling seed"),
    top: int = typer.Option(20, "--top", help="nodes to print"),
    out_dir: Path = OutOption,
    fmt: Format = FormatOption,
    db: Optional[str] = DbOption,
) -> None:
    """Collaboration network (co-application / co-authorship counts as weights): density,
    degree / betweenness / closeness centrality, Burt's effective size and constraint,
    Louvain communities; per window with --window.

    Example: innograph analyze network --nodes region --years 2012-2021 --window 3
    """
    from ..pipeline.analyze import analyze_network

    with open_db(db, read_only=True) as store:
        res = analyze_network(store, nodes=nodes.value, years=years, ai_only=ai_only,
                              window=window, out=out_dir, documents=value(documents), seed=seed,
                              distance=distance.value, betweenness_k=sample)
    _show(res, fmt, [("summary", f"{nodes.value} network", None),
                     ("nodes", f"top {top} {nodes.value}s by strength", top)])
    _nothing_analysed(res, f"documents with {nodes.value}s to link", years)


@analyze_app.command("countries")
@user_errors()
def analyze_countries_cmd(
    years: Optional[Any] = _years_option("2015-2024"),
    ai_only: bool = AiOnlyOption,
    population: Optional[Path] = typer.Option(
        None, "--population", help="CSV with code,population (default: shipped WDI 2022 table)"),
    top: int = typer.Option(30, "--top", help="countries kept (Z is min-max over these)"),
    counting: Counting = typer.Option("full", "--counting", help="full | fractional"),
    topics: Topics = typer.Option("keyword", "--topics", help="keyword | category (arXiv)"),
    countries: CountrySource = typer.Option("both", "--countries", help="a paper's countries "
                                            "from: graph (LOCATED_IN) | affiliations (parsed "
                                            "text and names) | both"),
    top_list: int = typer.Option(30, "--top-list", help="rows of the holders, journals and "
                                 "institutions tables"),
    top_series: int = typer.Option(10, "--top-series", help="countries drawn in the "
                                   "country-year plot"),
    out_dir: Path = OutOption,
    fmt: Format = FormatOption,
    db: Optional[str] = DbOption,
) -> None:
    """Papers per country, per million population, mean citations, mean venue impact,
    composite Z = 0.5·minmax(citations) + 0.5·minmax(impact); co-authorship flows from the
    first author's country; topic shares; patents per applicant country and per million,
    top holders, country-year series, top journals and institutions.

    Example: innograph analyze countries --years 2015-2024 --out results
    """
    from ..pipeline.analyze import analyze_countries

    with open_db(db, read_only=True) as store:
        res = analyze_countries(store, out=out_dir, population=population, years=years,
                                ai_only=ai_only, top=top, counting=counting.value,
                                topics=topics.value, countries=countries.value,
                                top_list=top_list, top_series=top_series)
    _show(res, fmt, [("countries", "country indicators", None),
                     ("flows", "co-authorship flows (first author → co-authors)", 20),
                     ("patents", "patents per applicant country", None),
                     ("holders", "top patent holders", 10),
                     ("journals", "top journals", 10),
                     ("institutions", "top institutions", 10)])
    if res.summary.get("z_note"):
        console.print(f"[yellow]{res.summary['z_note']}[/yellow]")
    if res.summary.get("patents", 0) == 0:  # the patent side alone is a result too
        _nothing_analysed(res, "papers or patents with a country", years)


@analyze_app.command("cooccurrence")
@user_errors()
def analyze_cooccurrence_cmd(
    of: CooccurrenceOf = typer.Option("keyword", "--of", help="keyword | ipc"),
    years: Optional[Any] = _years_option("2015-2024"),
    ai_only: bool = AiOnlyOption,
    documents: CooccurrenceDocuments = typer.Option("both", "--documents",
                                                    help="both | paper | patent"),
    max_terms: int = typer.Option(100, "--max-terms", help="most frequent terms kept"),
    min_count: int = typer.Option(1, "--min-count", help="drop terms in fewer documents"),
    top: int = typer.Option(10, "--top", help="terms listed per cluster"),
    ipc_level: IpcLevel = typer.Option("subclass", "--ipc-level", help="subclass | group | full"),
    per_year: bool = typer.Option(True, "--per-year/--no-per-year", help="also each year"),
    seed: int = typer.Option(0, "--seed", help="Louvain seed"),
    out_dir: Path = OutOption,
    fmt: Format = FormatOption,
    db: Optional[str] = DbOption,
) -> None:
    """Keyword or IPC co-occurrence network, its Louvain clusters and their top terms,
    overall and per year.

    Example: innograph analyze cooccurrence --of ipc --years 2018-2022 --out results
    """
    from ..pipeline.analyze import analyze_cooccurrence

    with open_db(db, read_only=True) as store:
        res = analyze_cooccurrence(store, of=of.value, years=years, ai_only=ai_only, out=out_dir,
                                   documents=documents.value, per_year=per_year,
                                   min_count=min_count, max_terms=max_terms, top=top,
                                   seed=seed, ipc_level=ipc_level.value)
    t = res.tables["top_terms"]
    res.tables["top_terms"] = t[t["period"] == "all"]
    _show(res, fmt, [("top_terms", f"{of.value} clusters: top {top} terms (all years; per "
                                   f"year in {out_dir}/cooccurrence_{of.value}.csv)", None)])
    docs = "papers or patents" if documents.value == "both" else f"{documents.value}s"
    terms = "keywords" if of.value == "keyword" else "IPC codes"
    _nothing_analysed(res, f"{docs} with {terms} (terms found in at least --min-count "
                      f"{min_count} documents)", years)
