"""The ``innograph`` command line: parse options, show progress, print tables. No logic.

Every command takes ``--db`` (or ``$INNOGRAPH_DB``): a path selects the embedded Kùzu store
(default ``./innograph.db``), a ``bolt://`` / ``neo4j://`` URL selects Neo4j.
"""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Any, Iterator, Optional

import typer
from rich.console import Console
from rich.table import Table

from .errors import InnographError

app = typer.Typer(
    help="Innovation knowledge graph: papers, patents and keywords as a hypergraph.\n\n"
         "Example: innograph demo --out ./innograph-demo\n\n"
         "The method (formulas, choices, sources): docs/method.md in the source repository.",
    no_args_is_help=True, pretty_exceptions_show_locals=False,
)
load_app = typer.Typer(help="Load papers and patents into the graph (idempotent).",
                       no_args_is_help=True)
app.add_typer(load_app, name="load")

console = Console(stderr=True)
out = Console()

DbOption = typer.Option(None, "--db", envvar="INNOGRAPH_DB",
                        help="Store: a path (embedded Kùzu, default ./innograph.db) or a "
                             "bolt:// / neo4j:// URL (Neo4j).")


# Neo4j connection options given before the command (``innograph --database X stats``).
_NEO4J_OPTIONS: dict[str, Any] = {}


@app.callback()
def _global_options(
        database: Optional[str] = typer.Option(
            None, "--database", envvar="INNOGRAPH_NEO4J_DATABASE",
            help="Neo4j database name (default: the server's default database)."),
        neo4j_tx_rows: Optional[int] = typer.Option(
            None, "--neo4j-tx-rows", envvar="INNOGRAPH_NEO4J_TX_ROWS", min=1,
            help="Neo4j live loads: rows per inner transaction of CALL … IN TRANSACTIONS "
                 "(default 1000).")) -> None:
    """Innovation knowledge graph: papers, patents and keywords as a hypergraph."""
    _NEO4J_OPTIONS.clear()
    if database:
        _NEO4J_OPTIONS["database"] = database
    if neo4j_tx_rows:
        _NEO4J_OPTIONS["tx_rows"] = neo4j_tx_rows


@contextmanager
def _open(db: Optional[str], read_only: bool = False) -> Iterator[Any]:
    """Open the store, turning innograph errors into a one-line message and exit 2."""
    from .graph.store import is_neo4j_url, open_store, resolve_url

    opts = _NEO4J_OPTIONS if is_neo4j_url(resolve_url(db)) else {}
    try:
        store = open_store(db, read_only=read_only, **opts)
    except InnographError as e:
        console.print(f"[red]error:[/red] {e}", soft_wrap=True)
        raise typer.Exit(2) from None
    try:
        yield store
    finally:
        store.close()


def _fail(e: Exception) -> None:
    console.print(f"[red]error:[/red] {e}", soft_wrap=True)
    raise typer.Exit(2)


def print_table(rows: list[dict[str, Any]], fmt: str = "table", title: str | None = None) -> None:
    """Print rows as a rich table, CSV or JSON (to stdout)."""
    if fmt == "json":
        out.print_json(json.dumps(rows, default=str))
        return
    cols = list(rows[0]) if rows else []
    if fmt == "csv":
        import csv

        w = csv.writer(sys.stdout, lineterminator="\n")
        w.writerow(cols)
        for r in rows:
            w.writerow(["" if r[c] is None else r[c] for c in cols])
        return
    t = Table(title=title)
    for c in cols:
        t.add_column(str(c))
    for r in rows:
        t.add_row(*["" if r[c] is None else (f"{r[c]:.4g}" if isinstance(r[c], float) else str(r[c]))
                    for c in cols])
    out.print(t)


# ------------------------------------------------------------------------- load
def _run_load(db: Optional[str], records: Any, rejects: Path, strict: bool,
              batch: int, run: Optional[Any] = None) -> None:
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from .loaders.records import RejectLog
    from .pipeline.ingest import ingest

    log = RejectLog(rejects)
    with _open(db) as store:
        with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed} rows"),
                      TimeElapsedColumn(), console=console, transient=True) as bar:
            task = bar.add_task("loading", total=None)
            try:
                summary = None
                if run is not None:  # a bulk path: run(store, log, progress) or None
                    summary = run(store, log, lambda n: bar.advance(task, n))
                if summary is None:
                    summary = ingest(store, records() if callable(records) else records, log,
                                     batch_size=batch, progress=lambda n: bar.advance(task, n))
            except InnographError as e:
                _fail(e)
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
    if log.count:
        console.print(f"[yellow]{log.count} rows rejected[/yellow] → {rejects}")
        for r in log.samples[:5]:
            console.print(f"  {r.message()}")
    if (strict and log.count) or (s["documents"] + s["links"] == 0 and log.count):
        raise typer.Exit(1)


RejectsOption = typer.Option(Path("rejects.csv"), "--rejects",
                             help="CSV file collecting rejected rows (file, line, field, reason).")
StrictOption = typer.Option(False, "--strict", help="Exit with status 1 if any row is rejected.")
BatchOption = typer.Option(5000, "--batch", help="Records per write transaction.")


def _records(name: str, path: Path, **opts: Any) -> Any:
    """The record stream of loader ``name``; argument errors end the command with exit 2."""
    from .loaders import LOADERS

    try:
        return LOADERS[name](path, **opts)
    except (InnographError, ValueError, KeyError) as e:
        _fail(e)


@load_app.command("deepinnovation")
def load_deepinnovation(path: Path = typer.Argument(..., help="Folder with DeepDiveAI.csv, "
                                                     "DeepPatentAI.csv, DeepCosineAI.csv"),
                        allow_no_year: bool = typer.Option(False, "--allow-missing-year",
                                                           help="Load rows with an empty Year"),
                        db: Optional[str] = DbOption, rejects: Path = RejectsOption,
                        strict: bool = StrictOption, batch: int = BatchOption,
                        engine: str = typer.Option(
                            "columnar", "--engine",
                            help="columnar (pyarrow blocks + bulk COPY; the default) or row "
                                 "(record by record, as the other loaders). Same graph and "
                                 "rejects; columnar is for the embedded store, row is used "
                                 "for Neo4j and .zip input.")) -> None:
    """The three DeepInnovationAI tables, .csv or .parquet (any of them may be absent);
    Cosine rows → SIMILAR_TO.

    Example: innograph load deepinnovation ./DeepInnovationAI --rejects rejects.csv
    """
    if engine not in ("columnar", "row"):
        _fail(ValueError(f"--engine must be columnar or row, not {engine!r}"))
    if engine == "row" or path.suffix.lower() == ".zip":
        _run_load(db, _records("deepinnovation", path, require_year=not allow_no_year),
                  rejects, strict, batch)
        return

    def run(store: Any, log: Any, progress: Any) -> Any:
        from .pipeline.ingest_columnar import ingest_deepinnovation_columnar

        if getattr(store, "kind", "") != "kuzu":
            return None  # Neo4j: the row path
        return ingest_deepinnovation_columnar(store, path, log,
                                              require_year=not allow_no_year,
                                              progress=progress)

    def records() -> Any:
        return _records("deepinnovation", path, require_year=not allow_no_year)

    try:
        from .pipeline.ingest_columnar import deep_files

        deep_files(path)  # argument errors end the command before the store opens
    except InnographError as e:
        _fail(e)
    _run_load(db, records, rejects, strict, batch, run=run)


@load_app.command("arxiv")
def load_arxiv(path: Path = typer.Argument(..., help="arXiv metadata: JSON lines or CSV"),
               variant: Optional[str] = typer.Option(None, "--variant", help="kaggle | "
                                                     "affiliations | titles-terms | scraped (any "
                                                     "table with a column of arXiv ids; default: "
                                                     "detected)"),
               db: Optional[str] = DbOption, rejects: Path = RejectsOption,
               strict: bool = StrictOption, batch: int = BatchOption) -> None:
    """arXiv metadata (Kaggle snapshot columns or the common scraped variants).

    Example: innograph load arxiv arxiv-metadata-oai-snapshot.json
    """
    _run_load(db, _records("arxiv", path, variant=variant), rejects, strict, batch)


@load_app.command("patentsview")
def load_patentsview(path: Path = typer.Argument(..., help="Folder of PatentsView g_*.tsv[.zip]"),
                     db: Optional[str] = DbOption, rejects: Path = RejectsOption,
                     strict: bool = StrictOption, batch: int = BatchOption) -> None:
    """PatentsView granted-patent bulk tables (only g_patent is required).

    Example: innograph load patentsview ./patentsview-2024
    """
    _run_load(db, _records("patentsview", path), rejects, strict, batch)


@load_app.command("google-patents")
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
def load_uspto_xml(path: Path = typer.Argument(..., help="USPTO grant XML: a file, a weekly "
                                                 "concatenated file, or a folder"),
                   db: Optional[str] = DbOption, rejects: Path = RejectsOption,
                   strict: bool = StrictOption, batch: int = BatchOption) -> None:
    """USPTO grant full-text XML (utility and design; figures become Figure nodes).

    Example: innograph load uspto-xml ipg210316.xml
    """
    _run_load(db, _records("uspto-xml", path), rejects, strict, batch)


@load_app.command("csv")
def load_csv(path: Path = typer.Argument(..., help="Any CSV / TSV / JSON-lines file"),
             kind: str = typer.Option(..., "--kind", help="paper | patent"),
             mapping: str = typer.Option(..., "--map", help="field=column,... e.g. "
                                         "id=DOI,title=Title,abstract=Abstract,year=PubYear"),
             encoding: str = typer.Option("utf-8", "--encoding"),
             db: Optional[str] = DbOption, rejects: Path = RejectsOption,
             strict: bool = StrictOption, batch: int = BatchOption) -> None:
    """Anything else, through a column mapping.

    Example: innograph load csv scopus.csv --kind paper --map id=EID,title=Title,year=Year
    """
    from .loaders.mapping import parse_map

    try:
        if "year" not in parse_map(mapping):
            console.print("[yellow]warning[/yellow]: no year=COLUMN in --map: documents load "
                          "without a year (counted below; match and the yearly analyses "
                          "leave them out)")
    except InnographError:
        pass  # the loader reports the bad --map
    _run_load(db, _records("csv", path, kind=kind, mapping=mapping, encoding=encoding),
              rejects, strict, batch)


@load_app.command("venues")
def load_venues_cmd(path: Path = typer.Argument(..., help="CSV/TSV: name and/or ISSN, impact"),
                    db: Optional[str] = DbOption, rejects: Path = RejectsOption,
                    strict: bool = StrictOption) -> None:
    """Venue impact factors onto the store's Venue nodes (by ISSN, else by name), for the
    composite Z of `analyze countries`. Unmatched rows are listed, not created.

    Example: innograph load venues jcr-2022.csv
    """
    from .loaders.records import RejectLog
    from .pipeline.venues import load_venues

    log = RejectLog(rejects)
    try:
        with _open(db) as store:
            s = load_venues(store, path, log)
    except InnographError as e:
        _fail(e)
    console.print(f"venue rows {s['rows']}: matched by ISSN {s['matched_by_issn']}, by name "
                  f"{s['matched_by_name']}, unmatched {s['unmatched']}; venues updated "
                  f"{s['venues_updated']}; rejected {s['rejected']}")
    if s["unmatched_names"]:
        console.print("unmatched (first 20): " + "; ".join(s["unmatched_names"]))
    if s["clashes"]:
        console.print("[yellow]several rows matched[/yellow] (the last row won): "
                      + "; ".join(s["clashes"]))
    if log.count:
        console.print(f"[yellow]{log.count} rows rejected[/yellow] → {rejects}")
        for r in log.samples[:5]:
            console.print(f"  {r.message()}")
    if (strict and log.count) or (s["rows"] == 0 and log.count):
        raise typer.Exit(1)


# ---------------------------------------------------------------- export / stats
from .graph import schema  # noqa: E402  (names only; no store is opened at import)
from .pipeline.export import EXPORT_METHODS, IDS as EXPORT_IDS  # noqa: E402
from .pipeline.scope import AI_ONLY_HELP  # noqa: E402

# typer reports a value outside an Enum as a usage error listing the valid ones
ExportMethod = Enum("ExportMethod", {m: m for m in EXPORT_METHODS}, type=str)
MatchMethod = Enum("MatchMethod", {m: m for m in ("exact", "index")}, type=str)
EmbedMethod = Enum("EmbedMethod", {m: m for m in ("sentence", "doc2vec")}, type=str)
IdsChoice = Enum("IdsChoice", {m: m for m in EXPORT_IDS}, type=str)


def store_label(db: Optional[str]) -> str:
    """The store a command works on, as the user would write it."""
    from .graph.store import resolve_url

    return resolve_url(db)


@app.command("export")
def export(out_dir: Path = typer.Argument(..., help="Folder for the three CSVs, or the word "
                                          "neo4j-import followed by a folder"),
           import_dir: Optional[Path] = typer.Argument(None, help="with neo4j-import: the "
                                                       "folder for neo4j-admin's files"),
           db: Optional[str] = DbOption,
           raw: bool = typer.Option(False, "--raw", help="Do not neutralise cells starting "
                                    "with = + - @ (CSV injection guard)"),
           method: Optional[ExportMethod] = typer.Option(
               None, "--method", help="SIMILAR_TO method for DeepCosineAI.csv (default: exact, "
               "else input, else index); an error if the store has none"),
           into: str = typer.Option("neo4j", "--into", help="neo4j-import: the database name "
                                    "the import.sh command creates"),
           overwrite: bool = typer.Option(False, "--overwrite", help="neo4j-import: import.sh "
                                          "replaces an existing database of that name"),
           ids: IdsChoice = typer.Option(IdsChoice.sequential, "--ids",
                                         help="sequential: IDs 1..N per file as the published "
                                         "files (DeepCosineAI points at them); source: the "
                                         "store's keys (PN, DOI, arXiv id, ...)"),
           ai_only: bool = typer.Option(False, "--ai-only", help="Only documents whose final "
                                        "AI label is AI (is_ai, else ai_rule)")
           ) -> None:
    """Write DeepPatentAI.csv, DeepDiveAI.csv and DeepCosineAI.csv (headers: docs/method.md).

    A file with no rows is named on stderr with the reason; an empty store, or a --method
    the store has no edges of, is an error (exit 1).
    Examples: innograph export out --method exact; innograph export ./out --ids sequential --ai-only

    ``innograph export neo4j-import DIR`` instead writes the node and relationship files of
    ``neo4j-admin database import full``, ``import.sh`` (the exact command) and
    ``schema.cypher`` (constraints to create afterwards).
    """
    from .pipeline.export import empty_reasons, export_csvs

    if str(out_dir) == "neo4j-import":
        from .pipeline.neo4j_import import export_neo4j_import

        if import_dir is None:
            _fail(ValueError("export neo4j-import needs a folder: "
                                    "innograph export neo4j-import DIR"))
        with _open(db, read_only=True) as store:
            try:
                n = export_neo4j_import(store, import_dir, database=into, overwrite=overwrite)
            except ValueError as e:
                _fail(e)
        print_table([{"file": str(Path(import_dir) / k), "rows": v} for k, v in n.items()])
        console.print(f"then: sh {Path(import_dir) / 'import.sh'}  (see its comments)")
        return
    if import_dir is not None:
        _fail(ValueError(f"unexpected second folder {import_dir} (only after neo4j-import)"))
    with _open(db, read_only=True) as store:
        if store.count(schema.PAPER) + store.count(schema.PATENT) == 0:
            console.print(f"[red]error:[/red] the store {store_label(db)} holds no Paper and no "
                          "Patent: nothing to export (load documents first)", soft_wrap=True)
            raise typer.Exit(1)
        try:
            n = export_csvs(store, out_dir, raw=raw, method=method.value if method else None,
                            ids=ids.value, ai_only=ai_only)
        except InnographError as e:
            console.print(f"[red]error:[/red] {e}", soft_wrap=True)
            raise typer.Exit(1) from None
    print_table([{"file": str(Path(out_dir) / k), "rows": v} for k, v in n.items()])
    for reason in empty_reasons(n):
        console.print(f"[yellow]warning:[/yellow] {reason}", soft_wrap=True)


@app.command("stats")
def stats(db: Optional[str] = DbOption,
          fmt: str = typer.Option("table", "--format", help="table | csv | json")) -> None:
    """Counts per node label and relationship type."""
    with _open(db, read_only=True) as store:
        s = store.stats()
    print_table([{"name": k, "count": v} for k, v in s.items()], fmt)


# ------------------------------------------------------------------------ check
def _print_check(report: Any, fmt: str) -> None:
    if fmt == "json":
        out.print_json(json.dumps(report.as_dict(), default=str))
        return
    wal = report.wal
    console.print(f"store {report.store} ({report.kind}, {report.mode} check, "
                  f"{report.seconds:.1f}s)")
    if wal.get("unclean"):
        console.print(f"[yellow]WAL present[/yellow] ({wal['bytes']} bytes: {', '.join(wal['files'])}): "
                      "the last writer did not close the store (killed or crashed); this check "
                      "read the state the WAL replays to")
    elif report.kind == "kuzu":
        console.print("WAL: none (last writer closed the store cleanly)")
    if wal.get("shadow"):
        console.print("[yellow]shadow pages present[/yellow]: the writer was killed during a "
                      "checkpoint")
    print_table([{"name": k, "count": v} for k, v in report.counts.items()], "table",
                title="counts")
    if report.findings:
        print_table([{"check": f.check, "table": f.table, "count": f.count, "detail": f.detail,
                      "samples": ", ".join(f.samples)} for f in report.findings], "table",
                    title="PROBLEMS")
        console.print(f"[red]{len(report.findings)} problem(s)[/red]: rebuild with "
                      f"innograph check --db {report.store} --repair --out NEWDIR")
    else:
        console.print(f"[green]ok[/green]: {len(report.checked)} checks passed")


@app.command("check")
def check_cmd(db: Optional[str] = DbOption,
              fmt: str = typer.Option("table", "--format", help="table | json"),
              quick: bool = typer.Option(False, "--quick", help="Key lookups of the newest and "
                                         "a sample of rows only (the check writes run after "
                                         "an unclean stop)"),
              repair: bool = typer.Option(False, "--repair", help="Rebuild the store into "
                                          "--out from what a scan can read (embedded store)"),
              out_dir: Optional[Path] = typer.Option(None, "--out", help="New folder for "
                                                     "--repair (must not exist or be empty)")
              ) -> None:
    """Verify a store without changing it (keys, edges, duplicates, counts, WAL); exit 1
    when anything is wrong. --repair --out NEWDIR rebuilds a damaged embedded store there.

    Example: innograph check --db ./innograph.db
    """
    from .graph.check import check_store, repair_kuzu
    from .graph.store import is_neo4j_url, resolve_url

    if repair:
        url = resolve_url(db)
        if out_dir is None:
            _fail(InnographError("--repair needs --out NEWDIR"))
        if is_neo4j_url(url):
            _fail(InnographError("--repair rebuilds embedded stores only"))
        try:
            rep = repair_kuzu(url, out_dir)
        except InnographError as e:
            _fail(e)
        if fmt == "json":
            out.print_json(json.dumps(rep.as_dict(), default=str))
        else:
            print_table([{"table": k, "read": v["read"], "written": v["written"],
                          "dropped": ", ".join(f"{r} {n}" for r, n in v["dropped"].items())}
                         for k, v in rep.tables.items()], "table", title=f"repair → {rep.out}")
            for n in rep.notes:
                console.print(f"note: {n}")
            if rep.lost:
                console.print("[red]not recovered[/red]: " + "; ".join(
                    f"{k} {v}" for k, v in rep.lost.items()))
            if rep.check is not None:
                console.print(f"new store check: {'ok' if rep.check.ok else rep.check.summary()}")
            console.print(f"{'[green]repaired[/green]' if rep.ok else '[red]repair incomplete[/red]'}"
                          f": use --db {rep.out}")
        raise typer.Exit(0 if rep.ok else 1)
    url = resolve_url(db)
    if is_neo4j_url(url):
        with _open(db, read_only=True) as store:
            report = check_store(store, quick=quick)
    else:
        from .graph.check import open_for_check

        try:
            with open_for_check(url) as (store, note):
                report = check_store(store, quick=quick, path=url, note=note)
        except InnographError as e:
            _fail(e)
    _print_check(report, fmt)
    raise typer.Exit(0 if report.ok else 1)


@app.command("query")
def query(name: Optional[str] = typer.Argument(None, help="Query name (see --list)"),
          param: list[str] = typer.Option([], "--param", "-p", help="k=v, repeatable"),
          fmt: str = typer.Option("table", "--format", help="table | csv | json"),
          list_: bool = typer.Option(False, "--list", help="List the query library"),
          db: Optional[str] = DbOption) -> None:
    """Run a named read-only query from innograph/cypher/*.cypher.

    Example: innograph query flows_by_year --param method=exact --format csv
    """
    from .graph.dialect import query_library
    from .pipeline.query import run_named_query

    if list_ or not name:
        rows = [{"name": q.name, "purpose": q.purpose,
                 "params": ", ".join(f"{p}={q.defaults[p]!r}" if p in q.defaults else p
                                     for p in q.params)}
                for q in query_library().values()]
        print_table(rows, fmt if fmt != "table" else "table")
        return
    given = {}
    for p in param:
        if "=" not in p:
            _fail(InnographError(f"--param {p!r}: expected name=value"))
        k, v = p.split("=", 1)
        given[k.strip()] = v
    with _open(db, read_only=True) as store:
        try:
            t = run_named_query(store, name, given)
        except InnographError as e:
            _fail(e)
    print_table(t.to_pylist(), fmt, title=name)


# ---------------------------------------------------------------- embed / match
@app.command("embed")
def embed_cmd(
        db: Optional[str] = DbOption,
        method: EmbedMethod = typer.Option("sentence", "--method", help="sentence (offline "
                                           "all-MiniLM-L6-v2: sensible matches on real text) | "
                                           "doc2vec (the paper's, trained on the store; see "
                                           "README)"),
        text: str = typer.Option("text", "--text", help="text (title + abstract) | keywords"),
        model: Optional[str] = typer.Option(None, "--model", help="doc2vec: a saved model file; "
                                            "sentence: a local model folder (default: the "
                                            "offline all-MiniLM-L6-v2)"),
        models_dir: Optional[str] = typer.Option(None, "--models-dir", envvar="INNOGRAPH_MODELS",
                                                 help="Where Doc2Vec models are saved (./models)"),
        vector_size: int = typer.Option(300, "--vector-size"),
        window: int = typer.Option(15, "--window"),
        epochs: int = typer.Option(40, "--epochs"),
        min_count: int = typer.Option(2, "--min-count"),
        dm: bool = typer.Option(False, "--dm", help="PV-DM instead of PV-DBOW"),
        seed: int = typer.Option(0, "--seed"),
        deterministic: bool = typer.Option(False, "--deterministic", help="1 training thread, "
                                           "seeded inference: reruns give identical vectors"),
        device: Optional[str] = typer.Option(None, "--device", help="cpu | cuda (sentence)"),
        batch_size: int = typer.Option(64, "--batch-size"),
        retrain: bool = typer.Option(False, "--retrain", help="Train a new Doc2Vec model even "
                                     "if one with these settings is saved"),
        force: bool = typer.Option(False, "--force", help="Recompute documents already "
                                   "embedded by this model"),
        fmt: str = typer.Option("table", "--format", help="table | csv | json")) -> None:
    """Compute one vector per Paper and Patent and store it (embedding, embedding_model, …).

    Default: sentence embeddings (offline MiniLM), which gave sensible best matches on the real
    sets where Doc2Vec did not; --method doc2vec is the paper's (docs/method.md §5).
    Example: innograph embed --text keywords --device cuda
    """
    from .pipeline.embed import embed
    from .progress import rich_progress

    with _open(db) as store, rich_progress(console=console) as bars:
        try:
            s = embed(store, method=method.value, text=text, model_path=model,
                      model_dir=models_dir, vector_size=vector_size, window=window,
                      epochs=epochs, min_count=min_count, dm=int(dm), seed=seed,
                      deterministic=deterministic, device=device, batch_size=batch_size,
                      retrain=retrain, force=force, log=lambda m: console.print(m),
                      progress=bars)
        except InnographError as e:
            _fail(e)
    console.print(f"model {s['model']} ({s['dims']} dims) in {s['seconds']} s")
    print_table([{"label": k, **v} for k, v in s["labels"].items()], fmt)


@app.command("match")
def match_cmd(
        db: Optional[str] = DbOption,
        k: int = typer.Option(1, "--k", help="Patents per paper"),
        method: MatchMethod = typer.Option("exact", "--method", help="exact | index"),
        device: Optional[str] = typer.Option(None, "--device", help="cpu | cuda (exact)"),
        precision: str = typer.Option("fp32", "--precision", help="fp32 | fp16 | bf16 (exact; "
                                      "GPU: low-precision candidates, fused Triton kernel when "
                                      "installed, certified in fp32: results stay exact)"),
        model: Optional[str] = typer.Option(None, "--model", help="embedding_model to use "
                                            "(default: the most common)"),
        sample: int = typer.Option(1000, "--sample", help="Papers for recall@1 (index)"),
        oversample: int = typer.Option(10, "--oversample", help="Index: fetch k × this, then "
                                       "filter by year"),
        year_filter: str = typer.Option("after", "--year-filter", help="Index: after (fetch "
                                        "k × oversample, then filter) | index (search only "
                                        "eligible patents inside the index; Kùzu)"),
        rebuild_index: bool = typer.Option(False, "--rebuild-index"),
        fmt: str = typer.Option("table", "--format", help="table | csv | json"),
        ai_only: bool = typer.Option(False, "--ai-only", help="Only papers and patents whose "
                                     "final AI label is AI (is_ai, else ai_rule)")) -> None:
    """Link each paper to its most similar patent(s) filed the same year or later (SIMILAR_TO).

    Re-running replaces the edges of that method. Example: innograph match --k 3 --device cuda
    """
    from .pipeline.embed import match

    with _open(db) as store:
        try:
            s = match(store, k=k, method=method.value, device=device, precision=precision,
                      model=model, sample=sample, oversample=oversample,
                      rebuild_index=rebuild_index, year_filter=year_filter,
                      log=lambda m: console.print(m), ai_only=ai_only)
        except (InnographError, ValueError) as e:
            _fail(e)
    rows = [{"item": key, "value": json.dumps(v) if isinstance(v, dict) else v}
            for key, v in s.items()]
    print_table(rows, fmt)
    if s["edges"] == 0:
        console.print(f"[red]error:[/red] no SIMILAR_TO edge written: none of the {s['papers']} "
                      f"papers has a patent filed the same year or later among the "
                      f"{s['patents']} patents", soft_wrap=True)
        raise typer.Exit(1)


# ------------------------------------------------------------------------- keywords
@app.command("keywords")
def keywords(
    top_k: int = typer.Option(10, "--top-k", help="Keywords per document."),
    ngram: str = typer.Option("1-3", "--ngram", help="Words per keyphrase: 1, 1-2, 1-3 …"),
    diversity: str = typer.Option("none", "--diversity", help="none | mmr | maxsum"),
    mmr_diversity: float = typer.Option(0.5, "--mmr-diversity", help="MMR lambda in [0, 1]."),
    redo: bool = typer.Option(False, "--redo", help="Recompute documents already done."),
    model: Optional[str] = typer.Option(None, "--model", help="Local sentence-transformers "
                                        "dir (default: bundled MiniLM)."),
    device: Optional[str] = typer.Option(None, "--device", help="cpu | cuda (default: cuda "
                                         "when available)."),
    fast: bool = typer.Option(False, "--fast", help="bf16 (GPU/AMX CPU; top-5 overlap ~0.99) "
                              "or elsewhere int8 candidates rescored in fp32 (overlap ~1.0, "
                              "little faster)."),
    batch_docs: int = typer.Option(2000, "--batch-docs", help="Documents per extract+write batch."),
    cache_dir: Optional[str] = typer.Option(None, "--cache-dir", envvar="INNOGRAPH_KEYWORD_CACHE",
                                            help="On-disk candidate-embedding cache."),
    limit: Optional[int] = typer.Option(None, "--limit", help="At most this many documents per label."),
    min_df: int = typer.Option(1, "--min-df", help="After extraction, drop KeyBERT keywords "
                               "found in fewer than N documents (novelty needs reusable "
                               "keywords; e.g. 2 or 3 with --ngram 1-2)."),
    db: Optional[str] = DbOption,
) -> None:
    """KeyBERT keywords for every document lacking them (resumable).

    Example: innograph keywords --top-k 10 --ngram 1-2 --min-df 2
    """
    from .pipeline.keywords import extract_into_store, prune_rare_keywords

    lo, _, hi = ngram.partition("-")
    if diversity not in ("none", "mmr", "maxsum"):
        _fail(InnographError("--diversity must be none, mmr or maxsum"))
    with _open(db) as store:
        try:
            s = extract_into_store(store, top_k=top_k, ngram=(int(lo), int(hi or lo)),
                                   diversity=None if diversity == "none" else diversity,
                                   mmr_diversity=mmr_diversity, redo=redo, model_path=model,
                                   device=device, fast=fast, batch_docs=batch_docs,
                                   cache_dir=cache_dir, limit=limit, progress=True)
            if min_df > 1:
                s["min_df"] = prune_rare_keywords(store, min_df)
        except InnographError as e:
            _fail(e)
    out.print_json(json.dumps(s, default=str))


# ------------------------------------------------------------------------- classify
classify_app = typer.Typer(help="AI / non-AI labels: keywords+IPC rule, teacher labels, BERT "
                                "outer/inner.\n\nExample: innograph classify rule && innograph "
                                "classify import-labels labels.csv && innograph classify train "
                                "--stage inner --out models/inner", no_args_is_help=True)
app.add_typer(classify_app, name="classify")

KindsOption = typer.Option(None, "--kind", help="paper or patent (repeatable; default both)")
DeviceOption = typer.Option(None, "--device", help="cpu, cuda, cuda:1 (default: GPU if present)")
# training options shared by `classify train` and `classify locarno train`
BaseModelOption = typer.Option(None, "--base", help="local HF model folder, e.g. "
                               "bert-base-uncased (default: offline MiniLM)")
MaxLengthOption = typer.Option(256, "--max-length")
EpochsOption = typer.Option(10, "--epochs", help="upper bound (early stopping)")
BatchSizeOption = typer.Option(16, "--batch-size")
LrOption = typer.Option(2e-5, "--lr")
PatienceOption = typer.Option(3, "--patience")


def _kinds(kinds: Optional[list[str]]) -> list[str]:
    from .graph import schema

    m = {"paper": schema.PAPER, "patent": schema.PATENT}
    try:
        return [m[k.lower()] for k in kinds] if kinds else list(schema.DOCUMENT_LABELS)
    except KeyError as e:
        _fail(ValueError(f"--kind must be paper or patent, not {e.args[0]!r}"))
        raise


def _print_metrics(stages: dict[str, Any]) -> None:
    print_table([{"stage": k, "n": m["n"], "accuracy": m["accuracy"], "auprc": m["auprc"],
                  "AI P": m["ai"]["precision"], "AI R": m["ai"]["recall"], "AI F1": m["ai"]["f1"],
                  "non-AI P": m["non_ai"]["precision"], "non-AI R": m["non_ai"]["recall"],
                  "non-AI F1": m["non_ai"]["f1"]} for k, m in stages.items()])


@classify_app.command("rule")
def classify_rule_cmd(codes: Optional[Path] = typer.Option(None, "--codes", help="AI IPC/CPC "
                                                           "code list (default: packaged v1)"),
                      keywords: Optional[Path] = typer.Option(None, "--keywords",
                                                              help="AI keyword list"),
                      kind: Optional[list[str]] = KindsOption,
                      redo: bool = typer.Option(False, "--redo", help="rewrite documents "
                                                "already marked with this lists version"),
                      db: Optional[str] = DbOption) -> None:
    """Mark every document with ai_rule (keywords in title+abstract, or an AI IPC/CPC code).

    Example: innograph classify rule --codes my_codes.txt --keywords my_keywords.txt
    """
    from .pipeline.classify import classify_rule

    with _open(db) as store:
        try:
            s = classify_rule(store, codes, keywords, _kinds(kind), redo=redo, progress=True)
        except InnographError as e:
            _fail(e)
    console.print(f"rule lists {s['version']}")
    print_table([{"kind": k, **v} for k, v in s.items() if k != "version"])


@classify_app.command("import-labels")
def classify_import_labels(path: Path = typer.Argument(..., help="CSV: id and one or more "
                                                    "label columns (label, llm, expert)"
                                                    "[, source][, kind]"),
                           source: Optional[str] = typer.Option(None, "--source",
                               help="label source when the file has no source column"),
                           rejects: Path = RejectsOption, strict: bool = StrictOption,
                           db: Optional[str] = DbOption) -> None:
    """Labels into the store: column label → ai_label (teacher), llm → ai_label_llm,
    expert → ai_label_expert. An empty cell in a file with several label columns means "no
    label of that kind".

    Example: innograph classify import-labels gpt4_labels.csv --source gpt-4
    """
    from .pipeline.classify import import_labels

    with _open(db) as store:
        try:
            s = import_labels(store, path, source=source, rejects=rejects)
        except InnographError as e:
            _fail(e)
    console.print(f"read {s['read']}, labelled {sum(s['labelled'].values())} "
                  f"(AI {s['ai']}, non-AI {s['non_ai']}), rejected {s['rejected']}")
    if len(s["columns"]) > 1 or "label" not in s["columns"]:
        print_table([{"column": k, **v} for k, v in s["columns"].items()])
    for m in s["samples"][:5]:
        console.print(f"  {m}")
    if s["rejected"]:
        console.print(f"[yellow]{s['rejected']} rows rejected[/yellow] → {rejects}")
    if strict and s["rejected"]:
        raise typer.Exit(1)


@classify_app.command("train")
def classify_train(stage: str = typer.Option("inner", "--stage", help="inner (teacher labels, "
                                             "balanced) or outer (labels + rule labels)"),
                   out_dir: Path = typer.Option(..., "--out", help="model directory to write"),
                   base: Optional[Path] = BaseModelOption,
                   max_length: int = MaxLengthOption, epochs: int = EpochsOption,
                   batch_size: int = BatchSizeOption, lr: float = LrOption,
                   patience: int = PatienceOption,
                   max_rows: Optional[int] = typer.Option(None, "--max-rows",
                       help="sample at most this many rows (label ratio kept)"),
                   seed: int = typer.Option(42, "--seed"),
                   consensus: Optional[Path] = typer.Option(None, "--consensus", help="inner: "
                       "train on this consensus set (classify consensus) with its 8:1:1 split "
                       "instead of the imported teacher labels"),
                   kind: Optional[list[str]] = KindsOption, device: Optional[str] = DeviceOption,
                   db: Optional[str] = DbOption) -> None:
    """Fine-tune BERT_outer or BERT_inner on the store's labels; saves a model directory.

    Example: innograph classify train --stage inner --out models/inner --max-length 512
    (or: --consensus consensus.csv)
    """
    from .pipeline.classify import train, train_consensus
    from .progress import rich_progress

    if stage not in ("inner", "outer"):
        _fail(ValueError("--stage must be inner or outer"))
    if consensus is not None and stage != "inner":
        _fail(ValueError("--consensus builds BERT_inner's set: use it with --stage inner"))

    def epoch_log(e: dict[str, Any]) -> None:
        console.print(f"epoch {e['epoch']}: train loss {e['train_loss']:.4f}, val acc "
                      f"{e['val_accuracy']:.4f}, val AUPRC {e['val_auprc']:.4f}"
                      + (" (best)" if e["best"] else "") + f", {e['seconds']:.0f} s")

    with _open(db) as store, rich_progress(console=console) as bars:
        try:
            opts: dict[str, Any] = dict(max_length=max_length, epochs=epochs,
                                        batch_size=batch_size, lr=lr, patience=patience,
                                        seed=seed, device=device, log=epoch_log,
                                        progress=bars(f"training {stage} (examples × epochs, "
                                                      "at most)"))
            if consensus is not None:
                r = train_consensus(store, consensus, out_dir, base_model=base, **opts)
            else:
                r = train(store, stage, out_dir, base_model=base, labels=_kinds(kind),
                          max_rows=max_rows, **opts)
        except InnographError as e:
            _fail(e)
    console.print(f"model {r['version']} → {r['model_dir']} (best epoch {r['best_epoch']}, "
                  f"training set {r['training_set']})")
    _print_metrics({f"{stage} ({r['split']})": r})


@classify_app.command("consensus")
def classify_consensus(out_csv: Path = typer.Option(Path("consensus.csv"), "--out",
                                                    help="CSV of the set to write"),
                       outer: Optional[Path] = typer.Option(None, "--outer", help="BERT_outer "
                           "dir, run on every document (default: the stored result of "
                           "`classify predict --outer DIR` without --inner)"),
                       threshold: float = typer.Option(0.5, "--threshold",
                                                       help="outer P(AI) that counts as AI"),
                       max_per_class: Optional[int] = typer.Option(None, "--max-per-class",
                           help="cap on each class (the paper: 500000)"),
                       llm_veto: bool = typer.Option(False, "--llm-veto", help="leave out "
                           "rule+outer non-AI documents the LLM called AI (the paper's text "
                           "admits them)"),
                       seed: int = typer.Option(42, "--seed"),
                       kind: Optional[list[str]] = KindsOption,
                       device: Optional[str] = DeviceOption,
                       db: Optional[str] = DbOption) -> None:
    """BERT_inner's training set by the paper's four rules, balanced, split 8:1:1.

    From the rule label (classify rule), LLM labels (import-labels, column llm) and
    BERT_outer's labels; balanced inside each IPC section (papers: venue / category); each
    row records which rule admitted it.

    Example: innograph classify consensus --out consensus.csv && innograph classify train
    --stage inner --consensus consensus.csv --out models/inner
    """
    from .pipeline.classify import consensus_set

    with _open(db) as store:  # writable: an older store gains the new label columns
        try:
            s = consensus_set(store, out_csv, outer, threshold, max_per_class, seed, llm_veto,
                              _kinds(kind), device=device)
        except InnographError as e:
            _fail(e)
    c = s["counts"]
    console.print(f"{s['rows']} samples of {s['documents']} documents → {s['csv']} "
                  f"(outer labels: {c['outer_source']}; not admitted {c['not_admitted']}"
                  + (f", vetoed by the LLM {c['llm_vetoed']}" if llm_veto else "") + ")")
    print_table([{"rule": r, "candidates": c["candidates"][r], "chosen": c["chosen"][r]}
                 for r in c["candidates"]])
    print_table([{"split": k, **v} for k, v in c["splits"].items()])


@classify_app.command("predict")
def classify_predict(outer: Optional[Path] = typer.Option(None, "--outer", help="BERT_outer dir"),
                     inner: Optional[Path] = typer.Option(None, "--inner", help="BERT_inner dir"),
                     screen: float = typer.Option(0.5, "--screen", help="outer P(AI) below "
                                                  "this is final non-AI"),
                     threshold: float = typer.Option(0.5, "--threshold"),
                     batch_size: int = typer.Option(64, "--batch-size"),
                     use_labels: bool = typer.Option(False, "--use-labels", help="documents "
                                                     "with a teacher label keep it"),
                     redo: bool = typer.Option(False, "--redo"),
                     limit: Optional[int] = typer.Option(None, "--limit"),
                     kind: Optional[list[str]] = KindsOption, device: Optional[str] = DeviceOption,
                     db: Optional[str] = DbOption) -> None:
    """Outer screens, inner decides: is_ai, ai_prob, ai_stage, ai_model on every document.

    Example: innograph classify predict --outer models/outer --inner models/inner
    """
    from .pipeline.classify import predict

    with _open(db) as store:
        try:
            s = predict(store, outer, inner, screen_threshold=screen, threshold=threshold,
                        labels=_kinds(kind), batch_size=batch_size, device=device, redo=redo,
                        use_labels=use_labels, limit=limit, progress=True)
        except InnographError as e:
            _fail(e)
    console.print(f"outer {s['outer']}, inner {s['inner']}")
    print_table([{"kind": k, **v} for k, v in s.items() if k not in ("outer", "inner")])


@classify_app.command("evaluate")
def classify_evaluate(labelled: Optional[Path] = typer.Argument(None, help="labelled CSV "
                          "(label + text or title/abstract [+ codes]); default: the store's "
                          "imported labels"),
                      outer: Optional[Path] = typer.Option(None, "--outer"),
                      inner: Optional[Path] = typer.Option(None, "--inner"),
                      png: Path = typer.Option(Path("pr_curve.png"), "--png"),
                      codes: Optional[Path] = typer.Option(None, "--codes"),
                      keywords: Optional[Path] = typer.Option(None, "--keywords"),
                      threshold: float = typer.Option(0.5, "--threshold"),
                      fmt: str = typer.Option("table", "--format", help="table|json"),
                      expert: Optional[Path] = typer.Option(None, "--expert", help="expert "
                          "labels CSV (id, expert or label): score every stage present in the "
                          "store (rule, llm, outer, inner) as the paper's Table 4 + Fig. 3"),
                      stages: bool = typer.Option(False, "--stages", help="as --expert, with "
                          "the expert labels already in the store (ai_label_expert)"),
                      out_dir: Path = typer.Option(Path("."), "--out", help="--expert/"
                          "--stages: folder for stages_table4.csv, stages_overlap.csv, "
                          "stages_fig3.png"),
                      device: Optional[str] = DeviceOption,
                      db: Optional[str] = DbOption) -> None:
    """Accuracy, per-class P/R/F1, AUPRC of rule/outer/inner, stage overlap, PR-curve PNG.

    With --expert FILE (or --stages): every stage present in the store against expert
    labels, in the layout of the paper's Table 4, with pairwise and three-way overlaps and
    the accuracy inside each (Fig. 3): CSV + PNG in --out.

    Example: innograph classify evaluate expert_set.csv --outer models/outer --inner models/inner
    Example: innograph classify evaluate --expert expert.csv --out results
    """
    from .pipeline.classify import evaluate, evaluate_stages

    if expert is not None or stages:
        if labelled is not None:
            _fail(ValueError("--expert/--stages score the store's stages: give no labelled "
                             "CSV argument"))
        try:
            with _open(db) as st:
                r = evaluate_stages(st, out_dir, expert, outer, inner, threshold,
                                    device=device)
        except InnographError as e:
            _fail(e)
        t4, ov = r.pop("table4"), r.pop("overlaps")
        if fmt == "json":
            out.print_json(json.dumps({**r, "table4": t4.to_dict("records"),
                                       "overlaps": ov.to_dict("records")}, default=float))
            return
        console.print(f"n = {r['n']} expert labels ({r['n_ai']} AI); stages {r['stages']}")
        print_table(t4.round(4).to_dict("records"), title="Table 4 layout")
        print_table(ov.round(4).to_dict("records"), title="overlaps (Fig. 3)")
        console.print(f"→ {', '.join(r['files'].values())}")
        return
    try:
        if labelled is not None:
            r = evaluate(labelled, outer, inner, png, codes, keywords, threshold, device=device)
        else:
            with _open(db, read_only=True) as store:
                r = evaluate(store, outer, inner, png, codes, keywords, threshold, device=device)
    except InnographError as e:
        _fail(e)
    if fmt == "json":
        out.print_json(json.dumps(r, default=float))
        return
    console.print(f"n = {r['n']} ({r['n_ai']} AI); rule lists {r['rule_version']}")
    _print_metrics(r["stages"])
    ag = r["agreement"]
    print_table([{"stages": f"{p['a']} & {p['b']}", "agreement": p["agreement"],
                  "accuracy on agreement": p["accuracy_on_agreement"]} for p in ag["pairs"]]
                + [{"stages": "all", "agreement": ag["all"]["agreement"],
                    "accuracy on agreement": ag["all"]["accuracy_on_agreement"]}],
                title="stage overlap (paper Fig. 3)")
    console.print(f"PR curves → {r.get('png')}")


# ------------------------------------------------------------- classify locarno (issue 10)
locarno_app = typer.Typer(help="Locarno classes of design patents from their text (title, "
                               "abstract, figure captions): the BERT classifier of `classify` "
                               "with Locarno labels.\n\nExample: innograph classify locarno "
                               "train --out models/locarno && innograph classify locarno "
                               "predict models/locarno", no_args_is_help=True)
classify_app.add_typer(locarno_app, name="locarno")


def _print_multiclass(m: dict[str, Any], fmt: str, title: str) -> None:
    """Headline figures and the per-class table of an evaluate_multiclass dict."""
    if fmt == "json":
        out.print_json(json.dumps(m, default=float))
        return
    k = m.get("k", 3)
    console.print(f"{title}: n = {m['n']}, accuracy {m['accuracy']:.4f}, macro-F1 "
                  f"{m['macro_f1']:.4f}, weighted-F1 {m['weighted_f1']:.4f}, top-{k} "
                  f"{m[f'top{k}_accuracy']:.4f}; majority class {m['majority_class']} "
                  f"{m['majority_accuracy']:.4f}")
    print_table([{"class": c, "precision": v["precision"], "recall": v["recall"],
                  "f1": v["f1"], "support": v["support"]} for c, v in m["per_class"].items()],
                title="per class")


@locarno_app.command("train")
def locarno_train(out_dir: Path = typer.Option(..., "--out", help="model directory to write"),
                  level: str = typer.Option("class", "--level",
                                            help="class (\"14\") or subclass (\"14-04\")"),
                  captions: bool = typer.Option(True, "--captions/--no-captions",
                                                help="add the figure captions to the text"),
                  min_per_class: int = typer.Option(2, "--min-per-class",
                                                    help="fewest rows a class needs"),
                  rare: str = typer.Option("error", "--rare", help="classes under "
                                           "--min-per-class: error | other (merge) | drop"),
                  base: Optional[Path] = BaseModelOption,
                  max_length: int = MaxLengthOption, epochs: int = EpochsOption,
                  batch_size: int = BatchSizeOption, lr: float = LrOption,
                  patience: int = PatienceOption,
                  monitor: str = typer.Option("macro_f1", "--monitor",
                                              help="macro_f1 | accuracy | loss"),
                  class_weights: bool = typer.Option(False, "--class-weights",
                                                     help="weight the loss by 1/class size"),
                  max_per_class: Optional[int] = typer.Option(None, "--max-per-class"),
                  seed: int = typer.Option(42, "--seed"),
                  fmt: str = typer.Option("table", "--format", help="table|json"),
                  device: Optional[str] = DeviceOption, db: Optional[str] = DbOption) -> None:
    """Fine-tune a Locarno classifier on the store's design patents; saves a model directory.

    Example: innograph classify locarno train --out models/locarno --level class --rare other
    """
    from .pipeline.locarno import train_locarno

    with _open(db) as store:
        try:
            r = train_locarno(
                store, out_dir, level=level, with_captions=captions,
                min_per_class=min_per_class, rare=rare, base_model=base,
                max_length=max_length, epochs=epochs, batch_size=batch_size, lr=lr,
                patience=patience, monitor=monitor, class_weights=class_weights,
                max_per_class=max_per_class, seed=seed, device=device,
                log=lambda e: console.print(
                    f"epoch {e['epoch']}: train loss {e['train_loss']:.4f}, val acc "
                    f"{e['val_accuracy']:.4f}, val macro-F1 {e['val_macro_f1']:.4f}"
                    + (" (best)" if e["best"] else "") + f", {e['seconds']:.0f} s"))
        except (InnographError, ValueError) as e:
            _fail(e)
    console.print(f"model {r['version']} → {r['model_dir']} (best epoch {r['best_epoch']}, "
                  f"training set {r['training_set']}, merged into other: {r['merged']})")
    _print_multiclass(r, fmt, f"{r['split']} split")


@locarno_app.command("predict")
def locarno_predict(model_dir: Path = typer.Argument(..., help="model directory written by "
                                                     "`classify locarno train`"),
                    all_patents: bool = typer.Option(False, "--all-patents", help="every "
                                                     "patent, not only design patents "
                                                     "(Locarno code or kind design)"),
                    batch_size: int = typer.Option(64, "--batch-size"),
                    redo: bool = typer.Option(False, "--redo", help="rewrite patents this "
                                              "model already labelled"),
                    limit: Optional[int] = typer.Option(None, "--limit"),
                    device: Optional[str] = DeviceOption, db: Optional[str] = DbOption) -> None:
    """locarno_pred, locarno_prob, locarno_model on the design patents (resumable).

    Example: innograph classify locarno predict models/locarno
    """
    from .pipeline.locarno import predict_locarno

    with _open(db) as store:
        try:
            s = predict_locarno(store, model_dir, batch_size=batch_size, redo=redo,
                                all_patents=all_patents, device=device, limit=limit,
                                progress=True)
        except InnographError as e:
            _fail(e)
    console.print(f"model {s['model']} (level {s['level']}): {s['patents']} patents written, "
                  f"{s['no_text']} without text skipped")
    print_table([{"locarno_pred": k, "patents": v} for k, v in s["labels"].items()])


@locarno_app.command("evaluate")
def locarno_evaluate(model_dir: Path = typer.Argument(..., help="Locarno model directory"),
                     png: Optional[Path] = typer.Option(None, "--png",
                                                        help="write the confusion matrix PNG"),
                     batch_size: int = typer.Option(64, "--batch-size"),
                     fmt: str = typer.Option("table", "--format", help="table|json"),
                     device: Optional[str] = DeviceOption, db: Optional[str] = DbOption) -> None:
    """Accuracy, macro/weighted F1, per-class P/R/F1, top-3 against the stored Locarno codes.

    Example: innograph classify locarno evaluate models/locarno --png locarno.png
    """
    from .pipeline.locarno import evaluate_locarno

    with _open(db, read_only=True) as store:
        try:
            m = evaluate_locarno(store, model_dir, batch_size=batch_size, device=device,
                                 png=png)
        except InnographError as e:
            _fail(e)
    _print_multiclass(m, fmt, f"model {m['model']} ({m['level']} level)")
    if m["unknown_labels"]:
        console.print(f"classes the model does not know (always wrong): {m['unknown_labels']}")
    if m.get("png"):
        console.print(f"confusion matrix → {m['png']}")


# ---------------------------------------------------------------------- novelty
novelty_app = typer.Typer(help="Hypergraph novelty (MMSB after Shi & Evans 2023, docs/method.md §4): "
                               "fit, then score.", no_args_is_help=True)
app.add_typer(novelty_app, name="novelty")


@novelty_app.command("fit")
def novelty_fit(
        db: Optional[str] = DbOption,
        dims: int = typer.Option(20, "--dims", help="Latent dimensions D"),
        years: Optional[str] = typer.Option(None, "--years", help="Fit on these years only: "
                                            "A-B, A-, -B or one year (default: all)"),
        salience: str = typer.Option("freq", "--salience", help="freq (normalised frequency "
                                     "times one fitted scale) | paper (normalised frequency, "
                                     "no fitted scale, as the paper states it) | fitted (free "
                                     "r_i, Shi & Evans)"),
        device: Optional[str] = typer.Option(None, "--device", help="cpu | cuda (default: cuda "
                                             "when available)"),
        out_dir: Optional[str] = typer.Option(None, "--out",
                                              help="Folder for the fit (npz + json; default "
                                                   "$INNOGRAPH_MODELS/mmsb or ./models/mmsb)"),
        seed: int = typer.Option(0, "--seed"),
        negatives: str = typer.Option("exact", "--negatives", help="exact (closed-form Poisson "
                                      "zeros) | sampled (importance-sampled)"),
        max_iter: Optional[int] = typer.Option(None, "--max-iter", help="Iterations (default "
                                               "500 L-BFGS)"),
        tol: float = typer.Option(1e-6, "--tol", help="Relative log-likelihood gain per "
                                  "iteration that counts as converged"),
        max_size: int = typer.Option(25, "--max-size", help="Documents with more keywords are "
                                     "left out of the fit (still scored)"),
        source: Optional[str] = typer.Option(None, "--source", help="Only keyword edges from "
                                             "this source: input | keybert"),
        quiet: bool = typer.Option(False, "--quiet", help="Do not print the log-likelihood "
                                   "per iteration"),
        ai_only: bool = typer.Option(False, "--ai-only", help=AI_ONLY_HELP),
        fmt: str = typer.Option("table", "--format", help="table | csv | json")) -> None:
    """Fit theta and r on the keyword hypergraph; write theta, r, freq on Keyword nodes.

    One fit on the years given (default: all). It is the model `novelty score --all-years`
    uses; the default `novelty score` (historical) fits one model per year itself and takes
    only the settings (dims, salience, seed) from this one. The summary gives the share of
    keywords seen in only one document (keywords_single_use_share).

    Example: innograph novelty fit --dims 20 --years 2000-2020 --device cuda
    """
    from .pipeline.novelty import fit_novelty
    from .progress import rich_progress

    with _open(db) as store, rich_progress(console=console) as bars:
        try:
            s = fit_novelty(store, dims=dims, years=years, salience=salience, device=device,
                            out_dir=out_dir, seed=seed, max_size=max_size, source=source,
                            verbose=not quiet, negatives=negatives, max_iter=max_iter, tol=tol,
                            ai_only=ai_only,
                            progress=bars("novelty fit (iterations, at most)"))
        except (InnographError, ValueError) as e:
            _fail(e)
    print_table([{"field": k, "value": v} for k, v in s.items()], fmt)


@novelty_app.command("score")
def novelty_score(
        db: Optional[str] = DbOption,
        model: Optional[str] = typer.Option(None, "--model", help="A saved fit (.npz / .json) "
                                            "or its folder (default: the latest fit in "
                                            "$INNOGRAPH_MODELS/mmsb or ./models/mmsb)"),
        historical: bool = typer.Option(True, "--historical/--all-years", help="historical "
                                        "(default): score each year y with a fit on years "
                                        "< y (one fit per year, saved, reused). --all-years: "
                                        "one fit on every year (--model), so a score depends "
                                        "on later documents; the output says so"),
        window: Optional[int] = typer.Option(None, "--window", help="Historical: fit only the "
                                             "N years before y"),
        dims: Optional[int] = typer.Option(None, "--dims", help="Historical fits (default: "
                                           "the --model fit's)"),
        salience: Optional[str] = typer.Option(None, "--salience", help="Historical fits: "
                                               "freq | paper | fitted"),
        max_single_use: float = typer.Option(0.8, "--max-single-use", help="Leave a document "
                                             "null (counted as single_use) when at least this "
                                             "share of its keywords occur in no other "
                                             "document; 1 = only when all do"),
        device: Optional[str] = typer.Option(None, "--device", help="cpu | cuda"),
        refit: bool = typer.Option(False, "--refit", help="Historical: fit again even when a "
                                   "fit with these settings is saved"),
        quiet: bool = typer.Option(False, "--quiet"),
        ai_only: bool = typer.Option(False, "--ai-only", help=AI_ONLY_HELP + "; the others "
                                     "keep their novelty"),
        fmt: str = typer.Option("table", "--format", help="table | csv | json")) -> None:
    """Write novelty = -log(lambda) and novelty_model on every Paper and Patent.

    Default: historical (a year-y document scored by a fit on years before y). Documents
    whose keywords are (almost) all single-use get no score; the summary counts them.

    Example: innograph novelty score --window 5    (or: --all-years --model models/mmsb)
    """
    from .pipeline.novelty import score_novelty
    from .progress import rich_progress

    with _open(db) as store, rich_progress(enabled=historical, console=console) as bars:
        try:
            s = score_novelty(store, model=model, historical=historical, window=window,
                              dims=dims, salience=salience, device=device, refit=refit,
                              max_single_use=max_single_use, ai_only=ai_only,
                              progress=bars("novelty fit per year (iterations, at most)"),
                              verbose=False if quiet else 10,
                              log=(lambda m: None) if quiet else (lambda m: console.print(m)))
        except (InnographError, ValueError) as e:
            _fail(e)
    models = s.pop("models")
    console.print(f"mode: {s['mode']}")
    console.print(f"fits used: {', '.join(dict.fromkeys(models)) or 'none'}")
    print_table([{"field": k, "value": v} for k, v in s.items()], fmt)


# ------------------------------------------------------------------ analyze (issue 8)
analyze_app = typer.Typer(
    help="Analyses researchers run on the graph (docs/method.md §7). Each writes CSV tables and "
         "a PNG figure into --out and prints the main table.\n\n"
         "Example: innograph analyze cooperation --by region --years 2012-2021 --out results",
    no_args_is_help=True)
app.add_typer(analyze_app, name="analyze")


def _df_rows(df: Any, limit: Optional[int] = None) -> list[dict[str, Any]]:
    """DataFrame → rows for print_table (NaN / NA → None)."""
    import pandas as pd

    d = df if limit is None else df.head(limit)
    return d.astype(object).where(pd.notna(d), None).to_dict("records")


def _show(res: Any, fmt: str, names: list[tuple[str, str, Optional[int]]]) -> None:
    for key, title, limit in names:
        print_table(_df_rows(res.tables[key], limit), fmt, title)
    for f in res.files:
        console.print(f"wrote {f}")


def _nothing_analysed(res: Any, needs: str, years: Optional[str]) -> None:
    """Exit 1 with the reason when an analysis found no document to work on (its files
    then hold empty tables): the user asked about something the store does not hold."""
    s = res.summary
    if s.get("documents", s.get("papers", 1)) == 0 or s.get("terms", 1) == 0:
        where = f" in the years {years}" if years else ""
        console.print(f"[red]error:[/red] nothing to analyse: the store has no {needs}{where} "
                      "(the files above hold empty tables)", soft_wrap=True)
        raise typer.Exit(1)


@analyze_app.command("cooperation")
def analyze_cooperation_cmd(
    by: str = typer.Option("region", "--by", help="region | country | province (31 mainland "
                           "Chinese) | state (US)"),
    types: bool = typer.Option(False, "--types", help="with --by province|state: applicant "
                               "types and I-U / I-R / U-R / I-U-R cooperation"),
    years: Optional[str] = typer.Option(None, "--years", help="A-B (e.g. 2012-2021) or one year"),
    ai_only: bool = typer.Option(False, "--ai-only", help=AI_ONLY_HELP),
    documents: str = typer.Option("patent", "--documents",
                                  help="patent (applicants) | paper (institutions)"),
    measure: str = typer.Option("co_documents", "--measure",
                                help="what the differences measure: co_documents | documents "
                                "| degree | iur (default iur with --types)"),
    out_dir: Path = typer.Option(Path("analysis"), "--out", help="folder for CSV + PNG"),
    fmt: str = typer.Option("table", "--format", help="table | csv | json"),
    db: Optional[str] = DbOption,
) -> None:
    """Cooperation degree (co-applied / all documents) per region and year, and its range,
    sample std, coefficient of variation and locational Gini across regions per year.

    Example: innograph analyze cooperation --by region --years 2012-2021 --out results
    Example: innograph analyze cooperation --by province --types --years 2012-2021
    """
    from .pipeline.analyze import analyze_cooperation, parse_years

    try:
        with _open(db, read_only=True) as store:
            res = analyze_cooperation(store, by=by, years=parse_years(years),
                                      ai_only=ai_only, out=out_dir,
                                      documents=documents, measure=measure, types=types)
    except InnographError as e:
        _fail(e)
    _show(res, fmt, [("ranking", f"cooperation degree by {by}", None),
                     ("differences", f"differences across {by}s per year", None)])
    if "applicants" in res.tables:
        s = res.summary
        console.print(f"applicants {s['applicants']}: placed in a {by} {s['applicants_placed']}, "
                      f"foreign {s['applicants_foreign']}, types {s['applicant_types']}")
    _nothing_analysed(res, f"{documents}s whose {'applicants' if documents == 'patent' else 'institutions'} "
                      f"have a {by}", years)


@analyze_app.command("network")
def analyze_network_cmd(
    nodes: str = typer.Option("applicant", "--nodes",
                              help="applicant | institution | country | region"),
    years: Optional[str] = typer.Option(None, "--years", help="A-B (e.g. 2012-2021) or one year"),
    ai_only: bool = typer.Option(False, "--ai-only", help=AI_ONLY_HELP),
    window: Optional[int] = typer.Option(None, "--window",
                                         help="split the years into windows of N years"),
    documents: Optional[str] = typer.Option(
        None, "--documents", help="patent | paper (default: papers for institutions, else patents)"),
    distance: str = typer.Option("hops", "--distance",
                                 help="hops | inverse_weight (betweenness, closeness)"),
    sample: Optional[int] = typer.Option(None, "--sample-betweenness",
                                         help="estimate betweenness from K sources (big graphs)"),
    seed: int = typer.Option(0, "--seed", help="Louvain / sampling seed"),
    top: int = typer.Option(20, "--top", help="nodes to print"),
    out_dir: Path = typer.Option(Path("analysis"), "--out", help="folder for CSV + PNG"),
    fmt: str = typer.Option("table", "--format", help="table | csv | json"),
    db: Optional[str] = DbOption,
) -> None:
    """Collaboration network (co-application / co-authorship counts as weights): density,
    degree / betweenness / closeness centrality, Burt's effective size and constraint,
    Louvain communities; per window with --window.

    Example: innograph analyze network --nodes region --years 2012-2021 --window 3
    """
    from .pipeline.analyze import analyze_network, parse_years

    try:
        with _open(db, read_only=True) as store:
            res = analyze_network(store, nodes=nodes, years=parse_years(years),
                                  ai_only=ai_only, window=window,
                                  out=out_dir, documents=documents, seed=seed,
                                  distance=distance, betweenness_k=sample)
    except InnographError as e:
        _fail(e)
    _show(res, fmt, [("summary", f"{nodes} network", None),
                     ("nodes", f"top {top} {nodes}s by strength", top)])
    _nothing_analysed(res, f"documents with {nodes}s to link", years)


@analyze_app.command("countries")
def analyze_countries_cmd(
    years: Optional[str] = typer.Option(None, "--years", help="A-B (e.g. 2015-2024) or one year"),
    ai_only: bool = typer.Option(False, "--ai-only", help=AI_ONLY_HELP),
    population: Optional[Path] = typer.Option(
        None, "--population", help="CSV with code,population (default: shipped WDI 2022 table)"),
    top: int = typer.Option(30, "--top", help="countries kept (Z is min-max over these)"),
    counting: str = typer.Option("full", "--counting", help="full | fractional"),
    topics: str = typer.Option("keyword", "--topics", help="keyword | category (arXiv)"),
    countries: str = typer.Option("both", "--countries", help="a paper's countries from: graph "
                                  "(LOCATED_IN) | affiliations (parsed text and names) | both"),
    top_list: int = typer.Option(30, "--top-list", help="rows of the holders, journals and "
                                 "institutions tables"),
    top_series: int = typer.Option(10, "--top-series", help="countries drawn in the "
                                   "country-year plot"),
    out_dir: Path = typer.Option(Path("analysis"), "--out", help="folder for CSV + PNG"),
    fmt: str = typer.Option("table", "--format", help="table | csv | json"),
    db: Optional[str] = DbOption,
) -> None:
    """Papers per country, per million population, mean citations, mean venue impact,
    composite Z = 0.5·minmax(citations) + 0.5·minmax(impact); co-authorship flows from the
    first author's country; topic shares; patents per applicant country and per million,
    top holders, country-year series, top journals and institutions.

    Example: innograph analyze countries --years 2015-2024 --out results
    """
    from .pipeline.analyze import analyze_countries, parse_years

    try:
        with _open(db, read_only=True) as store:
            res = analyze_countries(store, out=out_dir, population=population,
                                    years=parse_years(years),
                                    ai_only=ai_only, top=top, counting=counting,
                                    topics=topics, countries=countries, top_list=top_list,
                                    top_series=top_series)
    except InnographError as e:
        _fail(e)
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
def analyze_cooccurrence_cmd(
    of: str = typer.Option("keyword", "--of", help="keyword | ipc"),
    years: Optional[str] = typer.Option(None, "--years", help="A-B (e.g. 2015-2024) or one year"),
    ai_only: bool = typer.Option(False, "--ai-only", help=AI_ONLY_HELP),
    documents: str = typer.Option("both", "--documents", help="both | paper | patent"),
    max_terms: int = typer.Option(100, "--max-terms", help="most frequent terms kept"),
    min_count: int = typer.Option(1, "--min-count", help="drop terms in fewer documents"),
    top: int = typer.Option(10, "--top", help="terms listed per cluster"),
    ipc_level: str = typer.Option("subclass", "--ipc-level", help="subclass | group | full"),
    per_year: bool = typer.Option(True, "--per-year/--no-per-year", help="also each year"),
    seed: int = typer.Option(0, "--seed", help="Louvain seed"),
    out_dir: Path = typer.Option(Path("analysis"), "--out", help="folder for CSV + PNG"),
    fmt: str = typer.Option("table", "--format", help="table | csv | json"),
    db: Optional[str] = DbOption,
) -> None:
    """Keyword or IPC co-occurrence network, its Louvain clusters and their top terms,
    overall and per year.

    Example: innograph analyze cooccurrence --of ipc --years 2018-2022 --out results
    """
    from .pipeline.analyze import analyze_cooccurrence, parse_years

    try:
        with _open(db, read_only=True) as store:
            res = analyze_cooccurrence(store, of=of, years=parse_years(years),
                                       ai_only=ai_only, out=out_dir,
                                       documents=documents, per_year=per_year,
                                       min_count=min_count, max_terms=max_terms, top=top,
                                       seed=seed, ipc_level=ipc_level)
    except InnographError as e:
        _fail(e)
    t = res.tables["top_terms"]
    res.tables["top_terms"] = t[t["period"] == "all"]
    _show(res, fmt, [("top_terms", f"{of} clusters: top {top} terms (all years; per year in "
                                   f"{out_dir}/cooccurrence_{of}.csv)", None)])
    _nothing_analysed(res, ("papers or patents" if documents == "both" else f"{documents}s")
                      + f" with {'keywords' if of == 'keyword' else 'IPC codes'} (terms found in "
                      f"at least --min-count {min_count} documents)", years)


# ------------------------------------------------------------ figures (issue 10)
search_app = typer.Typer(help="Search the graph.", no_args_is_help=True)
evaluate_app = typer.Typer(help="Evaluate retrieval and models.", no_args_is_help=True)
app.add_typer(search_app, name="search")
app.add_typer(evaluate_app, name="evaluate")


@search_app.command("figures")
def search_figures_cmd(
    text: str = typer.Argument(..., help="What to look for"),
    k: int = typer.Option(10, "--k"),
    model: Optional[str] = typer.Option(None, "--model", help="Local sentence-transformers "
                                        "folder (default: the offline MiniLM package)"),
    clip: Optional[str] = typer.Option(None, "--clip", help="Local sentence-transformers CLIP "
                                       "folder: rank by image embedding"),
    images: Optional[str] = typer.Option(None, "--images", help="Folder holding the drawing "
                                         "files named in Figure.file (with --clip)"),
    device: Optional[str] = typer.Option(None, "--device"),
    fmt: str = typer.Option("table", "--format", help="table | csv | json"),
    db: Optional[str] = DbOption,
) -> None:
    """Rank figures by similarity of TEXT to their captions (or images with --clip).

    Example: innograph search figures "shaving razor cartridge" --k 5
    """
    from .pipeline.figures import search_figures

    with _open(db, read_only=True) as store:
        res = search_figures(store, text, k=k, model_path=model, clip_path=clip,
                             image_dir=images, device=device)
    rows = [{"rank": r["rank"], "score": r["score"], "figure": r["figure_id"],
             "patent": r["patent_id"], "caption": (r["caption"] or "")[:80],
             "file": r["file"] or ""} for r in res["results"]]
    print_table(rows, fmt, title=f"{res['method']} · {res['model']} · {res['figures']} figures")


@evaluate_app.command("retrieval")
def evaluate_retrieval_cmd(
    query: str = typer.Option("caption", "--query", help="caption | title"),
    model: Optional[str] = typer.Option(None, "--model"),
    clip: Optional[str] = typer.Option(None, "--clip"),
    images: Optional[str] = typer.Option(None, "--images"),
    device: Optional[str] = typer.Option(None, "--device"),
    fmt: str = typer.Option("table", "--format", help="table | csv | json"),
    db: Optional[str] = DbOption,
) -> None:
    """R@1/5/10 of caption→patent (or title→patent) retrieval over the loaded figures.

    Example: innograph evaluate retrieval --query title
    """
    from .pipeline.figures import evaluate_retrieval

    with _open(db, read_only=True) as store:
        res = evaluate_retrieval(store, query, model_path=model, clip_path=clip,
                                 image_dir=images, device=device)
    print_table([{"metric": k, "value": v} for k, v in res.items()], fmt,
                title=f"{res['query']} → patent")


# ------------------------------------------------------------------------- demo
@app.command("demo")
def demo(out_dir: Path = typer.Option(Path("innograph-demo"), "--out", help="Output folder"),
         seed: int = typer.Option(7, "--seed"),
         embed: str = typer.Option("sentence", "--embed", help="sentence (offline MiniLM) | "
                                   "doc2vec (trained on the corpus)"),
         db: Optional[str] = typer.Option(None, "--db", help="Store (default OUT/innograph.db)")
         ) -> None:
    """Build a graph from a generated corpus with planted structure, export the CSVs and draw
    three analyses (OUT/analysis/*.png). What it writes: README, section Demo."""
    from .pipeline.demo import run_demo
    from .progress import rich_progress

    try:
        with rich_progress(console=console) as bars:
            summary = run_demo(out_dir, db=db, seed=seed, embed_method=embed,
                               log=lambda m: console.print(m), progress=bars)
    except InnographError as e:
        _fail(e)
    print_table([{"item": k, "value": v} for k, v in summary.items()
                 if not isinstance(v, (dict, list))], title="demo")


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
