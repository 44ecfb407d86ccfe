"""``innograph stats`` and ``innograph query``: read the store (counts, named read-only
queries)."""

from __future__ import annotations

from typing import Optional

import typer

from .choices import Format
from .common import DbOption, fail, open_db, print_table, user_errors


@user_errors()
def stats(db: Optional[str] = DbOption,
          fmt: Format = typer.Option("table", "--format", help="table | csv | json")) -> None:
    """Counts per node label and relationship type."""
    with open_db(db, read_only=True) as store:
        s = store.stats()
    print_table([{"name": k, "count": v} for k, v in s.items()], fmt)


@user_errors()
def query(name: Optional[str] = typer.Argument(None, help="Query name (see --list)"),
          param: list[str] = typer.Option([], "--param", "-p", help="k=v, repeatable"),
          fmt: Format = typer.Option("table", "--format", help="table | csv | json"),
          list_: bool = typer.Option(False, "--list", help="List the query library"),
          db: Optional[str] = DbOption) -> None:
    """Run a named read-only query from innograph/cypher/*.cypher.

    Example: innograph query flows_by_year --param method=exact --format csv
    """
    from ..graph.dialect import query_library
    from ..pipeline.query import run_named_query

    if list_ or not name:
        rows = [{"name": q.name, "purpose": q.purpose,
                 "params": ", ".join(f"{p}={q.defaults[p]!r}" if p in q.defaults else p
                                     for p in q.params)}
                for q in query_library().values()]
        print_table(rows, fmt)
        return
    given = {}
    for p in param:
        if "=" not in p:
            fail(f"--param {p!r}: expected name=value")
        k, v = p.split("=", 1)
        given[k.strip()] = v
    with open_db(db, read_only=True) as store:
        t = run_named_query(store, name, given)
    print_table(t.to_pylist(), fmt, title=name)
