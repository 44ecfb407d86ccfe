"""``innograph load …``: papers, patents and venue impact factors into the store (idempotent).

One command per input format; each streams records through the ingest pipeline with a row
counter on stderr, then prints what was read, merged, rejected.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import typer

from .choices import ArxivVariant, DocumentKind, LoadEngine, value
from .common import DbOption, console, open_db, print_table, user_errors
from .progress import counter, rich_progress

load_app = typer.Typer(help="Load papers and patents into the graph (idempotent).",
                       no_args_is_help=True)

RejectsOption = typer.Option(Path("rejects.csv"), "--rejects",
                             help="CSV file collecting rejected rows (file, line, field, reason).")
StrictOption = typer.Option(False, "--strict", help="Exit with status 1 if any row is rejected.")
BatchOption = typer.Option(5000, "--batch", help="Records per write transaction.")


def _run_load(db: Optional[str], records: Any, rejects: Path, strict: bool,
              batch: int, run: Optional[Any] = None) -> None:
    """Ingest ``records`` (an iterable, or a callable returning one) into the store, or let
    ``run(store, log, advance)`` load by a bulk path (None from it: the row path), then
    print the summary. Exit 1 under ``--strict`` with rejects, or when nothing loaded."""
    from ..loaders.records import RejectLog
    from ..pipeline.ingest import ingest

    log = RejectLog(rejects)
    with open_db(db) as store, rich_progress(console=console) as bars:
        advance = counter(bars("loading"))
        summary = None
        if run is not None:  # a bulk path: run(store, log, progress) or None
            summary = run(store, log, advance)
        if summary is None:
            summary = ingest(store, records() if callable(records) else records, log,
                             batch_size=batch, progress=advance)
    s = summary.as_dict()
    loaded = sum(v for k, v in s["inserted"].items() if k in ("Paper", "Patent"))
    updated = sum(v for k, v in s["updated"].items() if k in ("Paper", "Patent"))
    console.print(f"documents read {s['documents']}, new {loaded}, updated {updated}, "
                  f"links {s['links']}, rejected {s['rejected']}")
    merged = sum(s["merged"].values())
    conflicts = sum(s["conflicts"].values())
    console.print(f"merged with stored documents {merged}, conflicting values {conflicts} "
                  f"(stored kept), exact duplicate rows {s['duplicates']}, invalid IPC/CPC "
                  f"codes {s['codes_invalid']} (kept as text), without a year {s['yearless']}")
    for k, v in sorted(s["conflicts"].items()):
        console.print(f"  conflicts {k}: {v}")
    for w in summary.warnings[:5]:
        console.print(f"  [yellow]warning[/yellow] {w}")
    print_table([{"table": k, "inserted": v, "updated": s["updated"].get(k, 0)}
                 for k, v in sorted(s["inserted"].items())])
    _report_rejects(log, rejects)
    if (strict and log.count) or (s["documents"] + s["links"] == 0 and log.count):
        raise typer.Exit(1)


def _report_rejects(log: Any, rejects: Path) -> None:
    if log.count:
        console.print(f"[yellow]{log.count} rows rejected[/yellow] → {rejects}")
        for r in log.samples[:5]:
            console.print(f"  {r.message()}")


@user_errors(ValueError, KeyError)
def _records(name: str, path: Path, **opts: Any) -> Any:
    """The record stream of loader ``name``; argument errors end the command with exit 2."""
    from ..loaders import LOADERS

    return LOADERS[name](path, **opts)


@load_app.command("deepinnovation")
@user_errors()
def load_deepinnovation(path: Path = typer.Argument(..., help="Folder with DeepDiveAI.csv, "
                                                     "DeepPatentAI.csv, DeepCosineAI.csv"),
                        allow_no_year: bool = typer.Option(False, "--allow-missing-year",
                                                           help="Load rows with an empty Year"),
                        db: Optional[str] = DbOption, rejects: Path = RejectsOption,
                        strict: bool = StrictOption, batch: int = BatchOption,
                        engine: LoadEngine = typer.Option(
                            "columnar", "--engine",
                            help="columnar (pyarrow blocks + bulk COPY; the default) or row "
                                 "(record by record, as the other loaders). Same graph and "
                                 "rejects; columnar is for the embedded store, row is used "
                                 "for Neo4j and .zip input.")) -> None:
    """The three DeepInnovationAI tables, .csv or .parquet (any of them may be absent);
    Cosine rows → SIMILAR_TO.

    Example: innograph load deepinnovation ./DeepInnovationAI --rejects rejects.csv
    """
    if engine.value == "row" or path.suffix.lower() == ".zip":
        _run_load(db, _records("deepinnovation", path, require_year=not allow_no_year),
                  rejects, strict, batch)
        return

    def run(store: Any, log: Any, progress: Any) -> Any:
        from ..pipeline.ingest_columnar import ingest_deepinnovation_columnar

        if getattr(store, "kind", "") != "kuzu":
            return None  # Neo4j: the row path
        return ingest_deepinnovation_columnar(store, path, log,
                                              require_year=not allow_no_year,
                                              progress=progress)

    def records() -> Any:
        return _records("deepinnovation", path, require_year=not allow_no_year)

    from ..pipeline.ingest_columnar import deep_files

    deep_files(path)  # argument errors end the command before the store opens
    _run_load(db, records, rejects, strict, batch, run=run)


@load_app.command("arxiv")
@user_errors()
def load_arxiv(path: Path = typer.Argument(..., help="arXiv metadata: JSON lines or CSV"),
               variant: Optional[ArxivVariant] = typer.Option(
                   None, "--variant", help="kaggle | affiliations | titles-terms | scraped "
                   "(any table with a column of arXiv ids; default: detected)"),
               db: Optional[str] = DbOption, rejects: Path = RejectsOption,
               strict: bool = StrictOption, batch: int = BatchOption) -> None:
    """arXiv metadata (Kaggle snapshot columns or the common scraped variants).

    Example: innograph load arxiv arxiv-metadata-oai-snapshot.json
    """
    _run_load(db, _records("arxiv", path, variant=value(variant)), rejects, strict, batch)


@load_app.command("patentsview")
@user_errors()
def load_patentsview(path: Path = typer.Argument(..., help="Folder of PatentsView g_*.tsv[.zip]"),
                     db: Optional[str] = DbOption, rejects: Path = RejectsOption,
                     strict: bool = StrictOption, batch: int = BatchOption) -> None:
    """PatentsView granted-patent bulk tables (only g_patent is required).

    Example: innograph load patentsview ./patentsview-2024
    """
    _run_load(db, _records("patentsview", path), rejects, strict, batch)


@load_app.command("google-patents")
@user_errors()
def load_google_patents(path: Path = typer.Argument(..., help="Google Patents CSV export"),
                        country: str = typer.Option("US", "--country",
                                                    help="Country for bare patent numbers"),
                        db: Optional[str] = DbOption, rejects: Path = RejectsOption,
                        strict: bool = StrictOption, batch: int = BatchOption) -> None:
    """Google Patents query exports (query-result CSVs and the "Download CSV" form).

    Example: innograph load google-patents gp-search-20241101.csv
    """
    _run_load(db, _records("google-patents", path, country=country), rejects, strict, batch)


@load_app.command("uspto-xml")
@user_errors()
def load_uspto_xml(path: Path = typer.Argument(..., help="USPTO grant XML: a file, a weekly "
                                                 "concatenated file, or a folder"),
                   db: Optional[str] = DbOption, rejects: Path = RejectsOption,
                   strict: bool = StrictOption, batch: int = BatchOption) -> None:
    """USPTO grant full-text XML (utility and design; figures become Figure nodes).

    Example: innograph load uspto-xml ipg210316.xml
    """
    _run_load(db, _records("uspto-xml", path), rejects, strict, batch)


@load_app.command("csv")
@user_errors()
def load_csv(path: Path = typer.Argument(..., help="Any CSV / TSV / JSON-lines file"),
             kind: DocumentKind = typer.Option(..., "--kind", help="paper | patent"),
             mapping: str = typer.Option(..., "--map", help="field=column,... e.g. "
                                         "id=DOI,title=Title,abstract=Abstract,year=PubYear"),
             encoding: str = typer.Option("utf-8", "--encoding"),
             db: Optional[str] = DbOption, rejects: Path = RejectsOption,
             strict: bool = StrictOption, batch: int = BatchOption) -> None:
    """Anything else, through a column mapping.

    Example: innograph load csv scopus.csv --kind paper --map id=EID,title=Title,year=Year
    """
    from ..errors import InnographError
    from ..loaders.mapping import parse_map

    try:
        if "year" not in parse_map(mapping):
            console.print("[yellow]warning[/yellow]: no year=COLUMN in --map: documents load "
                          "without a year (counted below; match and the yearly analyses "
                          "leave them out)")
    except InnographError:
        pass  # the loader reports the bad --map
    _run_load(db, _records("csv", path, kind=kind.value, mapping=mapping, encoding=encoding),
              rejects, strict, batch)


@load_app.command("venues")
@user_errors()
def load_venues_cmd(path: Path = typer.Argument(..., help="CSV/TSV: name and/or ISSN, impact"),
                    db: Optional[str] = DbOption, rejects: Path = RejectsOption,
                    strict: bool = StrictOption) -> None:
    """Venue impact factors onto the store's Venue nodes (by ISSN, else by name), for the
    composite Z of `analyze countries`. Unmatched rows are listed, not created.

    Example: innograph load venues jcr-2022.csv
    """
    from ..loaders.records import RejectLog
    from ..pipeline.venues import load_venues

    log = RejectLog(rejects)
    with open_db(db) as store:
        s = load_venues(store, path, log)
    console.print(f"venue rows {s['rows']}: matched by ISSN {s['matched_by_issn']}, by name "
                  f"{s['matched_by_name']}, unmatched {s['unmatched']}; venues updated "
                  f"{s['venues_updated']}; rejected {s['rejected']}")
    if s["unmatched_names"]:
        console.print("unmatched (first 20): " + "; ".join(s["unmatched_names"]))
    if s["clashes"]:
        console.print("[yellow]several rows matched[/yellow] (the last row won): "
                      + "; ".join(s["clashes"]))
    _report_rejects(log, rejects)
    if (strict and log.count) or (s["rows"] == 0 and log.count):
        raise typer.Exit(1)
