"""What every command shares: the two consoles, the ``--db`` option and the Neo4j options
given before the command, the store opener, table printing, and the one way a command ends
on a user's mistake (``fail`` / ``@user_errors``: one line ``error: …`` on stderr, an exit
status, no traceback).

Results go to stdout (``out``: tables, CSV, JSON); messages, warnings, errors and progress
bars go to stderr (``console``), so ``--format json`` output stays parseable.
"""

from __future__ import annotations

import functools
import json
import logging
import sys
from contextlib import contextmanager
from typing import Any, Callable, Iterator, NoReturn, Optional, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from ..errors import InnographError

console = Console(stderr=True)
out = Console()

F = TypeVar("F", bound=Callable[..., Any])

DbOption = typer.Option(None, "--db", envvar="INNOGRAPH_DB",
                        help="Store: a path (embedded Kùzu, default ./innograph.db) or a "
                             "bolt:// / neo4j:// URL (Neo4j).")

# Neo4j connection options given before the command (``innograph --database X stats``).
NEO4J_OPTIONS: dict[str, Any] = {}


def global_options(
        database: Optional[str] = typer.Option(
            None, "--database", envvar="INNOGRAPH_NEO4J_DATABASE",
            help="Neo4j database name (default: the server's default database)."),
        neo4j_tx_rows: Optional[int] = typer.Option(
            None, "--neo4j-tx-rows", envvar="INNOGRAPH_NEO4J_TX_ROWS", min=1,
            help="Neo4j live loads: rows per inner transaction of CALL … IN TRANSACTIONS "
                 "(default 1000).")) -> None:
    """Innovation knowledge graph: papers, patents and keywords as a hypergraph."""
    show_log_records()
    NEO4J_OPTIONS.clear()
    if database:
        NEO4J_OPTIONS["database"] = database
    if neo4j_tx_rows:
        NEO4J_OPTIONS["tx_rows"] = neo4j_tx_rows


class _ConsoleHandler(logging.Handler):
    """Log records of the ``innograph`` logger as one plain line each on stderr."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            console.print(escape(record.getMessage()), soft_wrap=True, highlight=False)
        except Exception:  # pragma: no cover - logging must never end a command
            self.handleError(record)


def show_log_records() -> None:
    """Print the ``innograph`` logger's INFO (and higher) records on stderr, one line each
    (e.g. "no CUDA device: running on the CPU"); idempotent."""
    log = logging.getLogger("innograph")
    if not any(isinstance(h, _ConsoleHandler) for h in log.handlers):
        log.addHandler(_ConsoleHandler(logging.INFO))
    if log.level == logging.NOTSET or log.level > logging.INFO:
        log.setLevel(logging.INFO)


# ------------------------------------------------------------------------- errors
def fail(e: Exception | str, code: int = 2) -> NoReturn:
    """Print ``error: <e>`` on stderr (one line) and end the command with status ``code``."""
    console.print(f"[red]error:[/red] {escape(str(e))}", soft_wrap=True)
    raise typer.Exit(code) from None


def user_errors(*extra: type[BaseException], code: int = 2) -> Callable[[F], F]:
    """Decorate a command so that an ``InnographError`` (or one of ``extra``, e.g.
    ``ValueError`` for jobs that check their arguments with it) ends it through
    :func:`fail` with status ``code``. typer still reads the wrapped function's signature."""
    caught = (InnographError, *extra)

    def wrap(func: F) -> F:
        @functools.wraps(func)
        def command(*args: Any, **kwargs: Any) -> Any:
            try:
                return func(*args, **kwargs)
            except caught as e:
                fail(e, code)

        return command  # type: ignore[return-value]

    return wrap


# -------------------------------------------------------------------------- store
@contextmanager
def open_db(db: Optional[str], read_only: bool = False) -> Iterator[Any]:
    """Open the store named by ``--db``; a store that cannot be opened ends the command
    with exit status 2 (whatever status the command uses for its own errors)."""
    from ..graph.store import is_neo4j_url, open_store, resolve_url

    opts = NEO4J_OPTIONS if is_neo4j_url(resolve_url(db)) else {}
    try:
        store = open_store(db, read_only=read_only, **opts)
    except InnographError as e:
        fail(e, 2)
    try:
        yield store
    finally:
        store.close()


def store_label(db: Optional[str]) -> str:
    """The store a command works on, as the user would write it."""
    from ..graph.store import resolve_url

    return resolve_url(db)


# ------------------------------------------------------------------------- output
def print_table(rows: list[dict[str, Any]], fmt: str = "table", title: str | None = None) -> None:
    """Print rows as a rich table, CSV or JSON (to stdout). ``fmt``: a ``Format`` or its
    value."""
    fmt = getattr(fmt, "value", fmt)
    if fmt == "json":
        print_json(rows)
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


def print_json(value: Any, default: Callable[[Any], Any] = str) -> None:
    """Print ``value`` as JSON on stdout (``default`` converts what json cannot)."""
    out.print_json(json.dumps(value, default=default))
