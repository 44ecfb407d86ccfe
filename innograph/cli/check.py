"""``innograph check``: verify a store without changing it, or rebuild a damaged embedded
store (``--repair --out NEWDIR``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import typer

from .choices import TableOrJson
from .common import DbOption, console, fail, open_db, print_json, print_table, user_errors


def _print_check(report: Any, fmt: str) -> None:
    if fmt == "json":
        print_json(report.as_dict())
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


def _print_repair(rep: Any, fmt: str) -> None:
    if fmt == "json":
        print_json(rep.as_dict())
        return
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


@user_errors()
def check_cmd(db: Optional[str] = DbOption,
              fmt: TableOrJson = typer.Option("table", "--format", help="table | json"),
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
    from ..graph.check import check_store, open_for_check
    from ..graph.repair import repair_kuzu
    from ..graph.store import is_neo4j_url, resolve_url

    url = resolve_url(db)
    if repair:
        if out_dir is None:
            fail("--repair needs --out NEWDIR")
        if is_neo4j_url(url):
            fail("--repair rebuilds embedded stores only")
        rep = repair_kuzu(url, out_dir)
        _print_repair(rep, fmt.value)
        raise typer.Exit(0 if rep.ok else 1)
    if is_neo4j_url(url):
        with open_db(db, read_only=True) as store:
            report = check_store(store, quick=quick)
    else:
        with open_for_check(url) as (store, note):
            report = check_store(store, quick=quick, path=url, note=note)
    _print_check(report, fmt.value)
    raise typer.Exit(0 if report.ok else 1)
