"""The ``innograph`` command line: parse options, show progress, print tables. No logic.

Every command takes ``--db`` (or ``$INNOGRAPH_DB``): a path selects the embedded Kùzu store
(default ``./innograph.db``), a ``bolt://`` / ``neo4j://`` URL selects Neo4j.
"""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Optional

import typer
from rich.console import Console
from rich.table import Table

from .errors import InnographError

app = typer.Typer(
    help="Innovation knowledge graph: papers, patents and keywords as a hypergraph.\n\n"
         "Example: innograph demo --out ./innograph-demo",
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


@contextmanager
def _open(db: Optional[str], read_only: bool = False) -> Iterator[Any]:
    """Open the store, turning innograph errors into a one-line message and exit 2."""
    from .graph.store import open_store

    try:
        store = open_store(db, read_only=read_only)
    except InnographError as e:
        console.print(f"[red]error:[/red] {e}")
        raise typer.Exit(2) from None
    try:
        yield store
    finally:
        store.close()


def _fail(e: Exception) -> None:
    console.print(f"[red]error:[/red] {e}")
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
              batch: int) -> None:
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from .loaders.records import RejectLog
    from .pipeline.ingest import ingest

    log = RejectLog(rejects)
    with _open(db) as store:
        with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed} rows"),
                      TimeElapsedColumn(), console=console, transient=True) as bar:
            task = bar.add_task("loading", total=None)
            try:
                summary = ingest(store, records, log, batch_size=batch,
                                 progress=lambda n: bar.advance(task, n))
            except InnographError as e:
                _fail(e)
    s = summary.as_dict()
    loaded = sum(v for k, v in s["inserted"].items() if k in ("Paper", "Patent"))
    updated = sum(v for k, v in s["updated"].items() if k in ("Paper", "Patent"))
    console.print(f"documents read {s['documents']}, new {loaded}, updated {updated}, "
                  f"links {s['links']}, rejected {s['rejected']}")
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


def _loader(name: str) -> Any:
    from .loaders import LOADERS

    return LOADERS[name]


@load_app.command("deepinnovation")
def load_deepinnovation(path: Path = typer.Argument(..., help="Folder with DeepDiveAI.csv, "
                                                     "DeepPatentAI.csv, DeepCosineAI.csv"),
                        db: Optional[str] = DbOption, rejects: Path = RejectsOption,
                        strict: bool = StrictOption, batch: int = BatchOption) -> None:
    """The three DeepInnovationAI CSVs (any of them may be absent); Cosine rows → SIMILAR_TO."""
    _run_load(db, _loader("deepinnovation")(path), rejects, strict, batch)


@load_app.command("arxiv")
def load_arxiv(path: Path = typer.Argument(..., help="arXiv metadata: JSON lines or CSV"),
               db: Optional[str] = DbOption, rejects: Path = RejectsOption,
               strict: bool = StrictOption, batch: int = BatchOption) -> None:
    """arXiv metadata (Kaggle snapshot columns or the common scraped variants)."""
    _run_load(db, _loader("arxiv")(path), rejects, strict, batch)


@load_app.command("patentsview")
def load_patentsview(path: Path = typer.Argument(..., help="Folder of PatentsView g_*.tsv[.zip]"),
                     db: Optional[str] = DbOption, rejects: Path = RejectsOption,
                     strict: bool = StrictOption, batch: int = BatchOption) -> None:
    """PatentsView granted-patent bulk tables (only g_patent is required)."""
    _run_load(db, _loader("patentsview")(path), rejects, strict, batch)


@load_app.command("google-patents")
def load_google_patents(path: Path = typer.Argument(..., help="Google Patents CSV export"),
                        db: Optional[str] = DbOption, rejects: Path = RejectsOption,
                        strict: bool = StrictOption, batch: int = BatchOption) -> None:
    """Google Patents query exports."""
    _run_load(db, _loader("google-patents")(path), rejects, strict, batch)


@load_app.command("uspto-xml")
def load_uspto_xml(path: Path = typer.Argument(..., help="USPTO grant XML: a file, a weekly "
                                                 "concatenated file, or a folder"),
                   db: Optional[str] = DbOption, rejects: Path = RejectsOption,
                   strict: bool = StrictOption, batch: int = BatchOption) -> None:
    """USPTO grant full-text XML (utility and design; figures become Figure nodes)."""
    _run_load(db, _loader("uspto-xml")(path), rejects, strict, batch)


@load_app.command("csv")
def load_csv(path: Path = typer.Argument(..., help="Any CSV / TSV / JSON-lines file"),
             kind: str = typer.Option(..., "--kind", help="paper | patent"),
             mapping: str = typer.Option(..., "--map", help="field=column,... e.g. "
                                         "id=DOI,title=Title,abstract=Abstract,year=PubYear"),
             db: Optional[str] = DbOption, rejects: Path = RejectsOption,
             strict: bool = StrictOption, batch: int = BatchOption) -> None:
    """Anything else, through a column mapping."""
    try:
        records = _loader("csv")(path, kind=kind, mapping=mapping)
    except (InnographError, ValueError, KeyError) as e:
        _fail(e)
    _run_load(db, records, rejects, strict, batch)


# ---------------------------------------------------------------- export / stats
@app.command("export")
def export(out_dir: Path = typer.Argument(..., help="Folder for the three CSVs"),
           db: Optional[str] = DbOption,
           raw: bool = typer.Option(False, "--raw", help="Do not neutralise cells starting "
                                    "with = + - @ (CSV injection guard)"),
           method: Optional[str] = typer.Option(None, "--method", help="SIMILAR_TO method for "
                                                "DeepCosineAI.csv (default: exact, else input)")
           ) -> None:
    """Write DeepPatentAI.csv, DeepDiveAI.csv and DeepCosineAI.csv (METHOD.md §1 headers)."""
    from .pipeline.export import export_csvs

    with _open(db, read_only=True) as store:
        n = export_csvs(store, out_dir, raw=raw, method=method)
    print_table([{"file": str(Path(out_dir) / k), "rows": v} for k, v in n.items()])


@app.command("stats")
def stats(db: Optional[str] = DbOption,
          fmt: str = typer.Option("table", "--format", help="table | csv | json")) -> None:
    """Counts per node label and relationship type."""
    with _open(db, read_only=True) as store:
        s = store.stats()
    print_table([{"name": k, "count": v} for k, v in s.items()], fmt)


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
         embed: str = typer.Option("doc2vec", "--embed", help="doc2vec | sentence"),
         db: Optional[str] = typer.Option(None, "--db", help="Store (default OUT/innograph.db)")
         ) -> None:
    """Build a graph from a generated corpus with planted structure and export the CSVs."""
    from .pipeline.demo import run_demo

    try:
        summary = run_demo(out_dir, db=db, seed=seed, embed_method=embed,
                           log=lambda m: console.print(m))
    except InnographError as e:
        _fail(e)
    print_table([{"item": k, "value": v} for k, v in summary.items()
                 if not isinstance(v, (dict, list))], title="demo")


def main() -> None:  # pragma: no cover
    app()


if __name__ == "__main__":  # pragma: no cover
    main()
